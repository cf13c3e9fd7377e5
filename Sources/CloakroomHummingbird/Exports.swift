// What is framework-neutral (cookie options and parsing, CSRF rules, security-header values,
// rate-limit verdicts) lives in CloakroomWeb, which Vapor's integration shares; importing
// CloakroomHummingbird brings it along, so apps name one module.
@_exported import CloakroomWeb
