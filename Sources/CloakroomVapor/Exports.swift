@_exported import CloakroomWeb
