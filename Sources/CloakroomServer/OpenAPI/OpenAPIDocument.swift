// Generated from openapi.json by scripts/generate-openapi: edit the JSON, then run the script.

/// The OpenAPI 3.1 description of the HTTP API, exactly as checked in as `openapi.json`.
enum OpenAPIDocument {
    /// The document's JSON text.
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Cloakroom HTTP API",
            "version": "1.0.0",
            "summary": "Server-side sessions for services in any language.",
            "description": "The HTTP API v1 of `cloakroomd`: create, resume, change, rotate and end sessions; list and end a user's sessions; access and refresh tokens bound to sessions; rate limits. Session IDs and tokens travel in JSON bodies, never in URLs, so they never reach access logs.\n\nEvery `/v1` call needs `Authorization: Bearer <API key>`; a key has scopes (`sessions`, `tokens`, `admin`, which grants all). While a store composition serves without one of its stores, every answer carries `Cloakroom-Degraded: 1`.\n\nThe web pages (demo sign-in, \"Your sessions\", admin dashboard) are described too, under the `pages` tag: they take forms with a CSRF token and answer HTML. They are described as served with demo sign-in on (`CLOAKROOM_DEMO_SIGN_IN=true`); with it off, `/signin` and `/account` answer a 404 page.\n\nA path taken with a method it does not list answers 405 `method_not_allowed` with an `Allow` header; a path that does not exist, 404 `not_found`.",
            "license": {
              "name": "Apache-2.0",
              "identifier": "Apache-2.0"
            }
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080",
              "description": "cloakroomd's default address"
            }
          ],
          "tags": [
            {
              "name": "sessions",
              "description": "One session, named by its ID."
            },
            {
              "name": "users",
              "description": "A user's sessions, named by user ID and handle."
            },
            {
              "name": "tokens",
              "description": "Access tokens (JWT) and refresh tokens bound to sessions; needs the `tokens` scope."
            },
            {
              "name": "limits",
              "description": "Rate limits and login lockout for services in any language."
            },
            {
              "name": "service",
              "description": "Health, metrics, keys and this description; no API key needed."
            },
            {
              "name": "pages",
              "description": "Server-rendered web pages for browsers."
            }
          ],
          "paths": {
            "/v1/sessions": {
              "post": {
                "operationId": "createSession",
                "summary": "Create a session",
                "description": "Creates a session, anonymous or for a user, with optional data and client facts. Answers the new ID (give it to the client) and the session. An empty body creates an empty anonymous session.",
                "tags": [
                  "sessions"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/CreateSessionRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/IssuedSession"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/sessions/resume": {
              "post": {
                "operationId": "resumeSession",
                "summary": "Resume a session",
                "description": "Looks a session up by its ID and marks it used: the idle deadline slides forward, written at most once per touch interval so that reads stay reads.",
                "tags": [
                  "sessions"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ResumeSessionRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The live session.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SessionAnswer"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/sessions/update": {
              "post": {
                "operationId": "updateSession",
                "summary": "Change a session's data",
                "description": "Sets, removes and increments keys. Only the keys named change: two callers changing different keys both survive. With `if_version`, a compare-and-set.",
                "tags": [
                  "sessions"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/UpdateSessionRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The changed session.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SessionAnswer"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/sessions/rotate": {
              "post": {
                "operationId": "rotateSession",
                "summary": "Give a session a new ID",
                "description": "Moves the session to a new ID (on sign-in and privilege changes, against fixation); the old ID is dead on every instance at once. With `user_id`, records a sign-in.",
                "tags": [
                  "sessions"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RotateSessionRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The new ID and the session.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/IssuedSession"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/sessions/end": {
              "post": {
                "operationId": "endSession",
                "summary": "End a session",
                "description": "Ends the session (sign-out). Ending a session that is already gone is not an error.",
                "tags": [
                  "sessions"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SessionIDRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "204": {
                    "description": "Done.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/users/{user_id}/sessions": {
              "get": {
                "operationId": "listUserSessions",
                "summary": "List a user's sessions",
                "description": "The user's live sessions, newest first, without their data, a page at a time.",
                "tags": [
                  "users"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "description": "The user's ID, percent-encoded.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "user-42"
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Sessions per page, 1 to 1000 (default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "description": "The `next_cursor` of the previous page.",
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9]+-[0-9a-f]{16}$"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of the user's sessions.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SessionList"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "delete": {
                "operationId": "endUserSessions",
                "summary": "End a user's sessions",
                "description": "Ends every session of the user (\"log out everywhere\"), or every one but `except`.",
                "tags": [
                  "users"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "description": "The user's ID, percent-encoded.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "user-42"
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/EndUserSessionsRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "How many sessions ended.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EndedCount"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/users/{user_id}/sessions/{handle}": {
              "delete": {
                "operationId": "endUserSession",
                "summary": "End one of a user's sessions",
                "description": "Ends the user's session with this handle (from a listing): the \"end this device\" button.",
                "tags": [
                  "users"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "parameters": [
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "description": "The user's ID, percent-encoded.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "user-42"
                  },
                  {
                    "name": "handle",
                    "in": "path",
                    "required": true,
                    "description": "The session's handle, from a listing.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "9f2c1a7e4b3d8c05"
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Done.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/tokens": {
              "post": {
                "operationId": "grantTokens",
                "summary": "Grant tokens for a session",
                "description": "An access token (JWT) bound to the session and a refresh token. Ending the session revokes both.",
                "tags": [
                  "tokens"
                ],
                "security": [
                  {
                    "apiKey": [
                      "tokens"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/GrantTokenRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The token pair.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TokenPair"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/tokens/refresh": {
              "post": {
                "operationId": "refreshTokens",
                "summary": "Refresh a token pair",
                "description": "Trades a refresh token for a new pair. A refresh token works once: presenting a used one ends the whole session (theft detection) and answers 401 `refresh_token_reused`.",
                "tags": [
                  "tokens"
                ],
                "security": [
                  {
                    "apiKey": [
                      "tokens"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RefreshTokenRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The new token pair.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TokenPair"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/tokens/introspect": {
              "post": {
                "operationId": "introspectToken",
                "summary": "Is this token active?",
                "description": "RFC 7662 style: whether an access or refresh token may be used now, and its claims when it may.",
                "tags": [
                  "tokens"
                ],
                "security": [
                  {
                    "apiKey": [
                      "tokens"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TokenRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The token's state.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TokenIntrospection"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/tokens/revoke": {
              "post": {
                "operationId": "revokeToken",
                "summary": "Revoke a token",
                "description": "Revokes an access token (by its `jti`, until it would expire) or a refresh token.",
                "tags": [
                  "tokens"
                ],
                "security": [
                  {
                    "apiKey": [
                      "tokens"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TokenRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Whether it was revoked.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RevokedAnswer"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/limits/check": {
              "post": {
                "operationId": "checkLimit",
                "summary": "Count an attempt against a rate limit",
                "description": "Counts an attempt of `cost` for `key` in `bucket` (GCRA). A refusal is an answer, not an error: `allowed: false` with `retry_after`.",
                "tags": [
                  "limits"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LimitCheckRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The decision.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LimitDecision"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/limits/reset": {
              "post": {
                "operationId": "resetLimit",
                "summary": "Refill a rate-limit bucket",
                "description": "Makes the key's bucket full again, e.g. after a successful sign-in.",
                "tags": [
                  "limits"
                ],
                "security": [
                  {
                    "apiKey": [
                      "sessions"
                    ]
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LimitResetRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "204": {
                    "description": "Done.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "$ref": "#/components/responses/ContentTooLarge"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/health": {
              "get": {
                "operationId": "health",
                "summary": "Is the service serving?",
                "description": "`ok` (200) when every store serves; `degraded` (200) while a composition serves without one of its stores; `unavailable` (503) when sessions cannot be served. Store names and details only for a caller with an `admin` API key.",
                "tags": [
                  "service"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "Serving.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Health"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "Not serving.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Health"
                        },
                        "example": {
                          "status": "unavailable"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics",
                "description": "Every counter, gauge and histogram in the Prometheus text format. Labels never identify a session, token or user.",
                "tags": [
                  "service"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "Prometheus text exposition format 0.0.4.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Cache-Control": {
                        "$ref": "#/components/headers/Cache-Control-No-Store"
                      }
                    },
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/.well-known/jwks.json": {
              "get": {
                "operationId": "jwks",
                "summary": "Public token-signing keys",
                "description": "The JWK Set (RFC 7517) that verifies access tokens; cacheable for five minutes.",
                "tags": [
                  "service"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The JWK Set.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "application/jwk-set+json": {
                        "schema": {
                          "$ref": "#/components/schemas/JWKSet"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "summary": "This description",
                "description": "The OpenAPI 3.1 description of this API.",
                "tags": [
                  "service"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "This document.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/": {
              "get": {
                "operationId": "homePage",
                "summary": "Home page",
                "description": "The web pages' home.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/assets/cloakroom.css": {
              "get": {
                "operationId": "pageStyle",
                "summary": "The pages' style sheet",
                "description": "The one style sheet of the web pages.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "CSS.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/css": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/signout": {
              "post": {
                "operationId": "signOutPage",
                "summary": "Sign out",
                "description": "Ends the browser's session (cookie) and goes home.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          }
                        }
                      }
                    }
                  },
                  "description": "Read only when signed in: a signed-out browser is sent to the sign-in page whatever it sends."
                },
                "responses": {
                  "303": {
                    "description": "Signed out; to `/`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "400": {
                    "description": "The form is malformed.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/signin": {
              "get": {
                "operationId": "demoSignInPage",
                "summary": "Demo sign-in page",
                "description": "The demo sign-in form (404 page when demo sign-in is off).",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The form.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "303": {
                    "description": "Already signed in; to `/account`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "404": {
                    "description": "Demo sign-in is off.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "post": {
                "operationId": "demoSignIn",
                "summary": "Demo sign-in",
                "description": "Signs in as `demo:NAME` with the demo password; rotates the session ID. Locked out after repeated failures.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          },
                          "user": {
                            "type": "string"
                          },
                          "password": {
                            "type": "string"
                          }
                        },
                        "required": [
                          "user",
                          "password"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "303": {
                    "description": "Signed in; to `/account`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "400": {
                    "description": "The name or form is not valid.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Wrong password.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "429": {
                    "description": "Too many attempts for this account.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Retry-After": {
                        "required": true,
                        "schema": {
                          "type": "string",
                          "pattern": "^[0-9]+$"
                        },
                        "description": "Seconds until another attempt may succeed."
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/account": {
              "get": {
                "operationId": "accountPage",
                "summary": "Your sessions",
                "description": "The demo user's sessions: device, address, last seen; end one or all others.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "303": {
                    "description": "Not signed in; to `/signin`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "404": {
                    "description": "Demo sign-in is off.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/account/end": {
              "post": {
                "operationId": "accountEndSession",
                "summary": "End one of your sessions",
                "description": "Ends one of the demo user's sessions by handle.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          },
                          "handle": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  },
                  "description": "Read only when signed in: a signed-out browser is sent to the sign-in page whatever it sends. Signed in, `handle` is required."
                },
                "responses": {
                  "303": {
                    "description": "Done (or not signed in).",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "400": {
                    "description": "The form is malformed.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/account/end-others": {
              "post": {
                "operationId": "accountEndOthers",
                "summary": "End your other sessions",
                "description": "Ends every session of the demo user but this one.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          }
                        }
                      }
                    }
                  },
                  "description": "Read only when signed in: a signed-out browser is sent to the sign-in page whatever it sends."
                },
                "responses": {
                  "303": {
                    "description": "Done (or not signed in).",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "400": {
                    "description": "The form is malformed.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/admin": {
              "get": {
                "operationId": "adminDashboard",
                "summary": "Admin dashboard",
                "description": "Live counts, rates, store health, user look-up. Needs an admin sign-in.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "parameters": [
                  {
                    "name": "user",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A user whose sessions to show."
                  },
                  {
                    "name": "ended",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "How many sessions the last action ended (shown as a notice)."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The dashboard.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "303": {
                    "description": "Not signed in as admin; to `/admin/signin`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/admin/signin": {
              "get": {
                "operationId": "adminSignInPage",
                "summary": "Admin sign-in page",
                "description": "Sign in with an API key that has the `admin` scope.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The form.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "303": {
                    "description": "Already signed in; to `/admin`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "post": {
                "operationId": "adminSignIn",
                "summary": "Admin sign-in",
                "description": "Signs in with an `admin` API key; throttled per address.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          },
                          "key": {
                            "type": "string"
                          }
                        },
                        "required": [
                          "key"
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "303": {
                    "description": "Signed in; to `/admin`.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "401": {
                    "description": "Not an admin key.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "429": {
                    "description": "Too many attempts.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Retry-After": {
                        "required": true,
                        "schema": {
                          "type": "string",
                          "pattern": "^[0-9]+$"
                        },
                        "description": "Seconds until another attempt may succeed."
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "The form is malformed.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/admin/users/end": {
              "post": {
                "operationId": "adminEndUserSessions",
                "summary": "End a user's sessions",
                "description": "Ends every session of a user, from the dashboard.",
                "tags": [
                  "pages"
                ],
                "security": [
                  {}
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "_csrf": {
                            "type": "string",
                            "description": "The synchronizer token from the page's form."
                          },
                          "user": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  },
                  "description": "Read only when signed in: a signed-out browser is sent to the sign-in page whatever it sends. Signed in, `user` is required."
                },
                "responses": {
                  "303": {
                    "description": "Done; back to the dashboard (or to sign-in).",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      },
                      "Location": {
                        "required": true,
                        "schema": {
                          "type": "string"
                        },
                        "description": "Where the browser goes next."
                      }
                    }
                  },
                  "400": {
                    "description": "The form is malformed.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Refused: a cross-site request or a missing or wrong CSRF token.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "The session store is unavailable.",
                    "headers": {
                      "Cloakroom-Degraded": {
                        "$ref": "#/components/headers/Cloakroom-Degraded"
                      }
                    },
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (`ck_…`) from `CLOAKROOM_API_KEYS_FILE`. Scopes: `sessions` (sessions, users and limits calls), `tokens` (token calls), `admin` (everything)."
              }
            },
            "headers": {
              "Cloakroom-Degraded": {
                "description": "`1` while a store composition serves without one of its stores.",
                "schema": {
                  "type": "string",
                  "enum": [
                    "1"
                  ]
                }
              },
              "Cache-Control-No-Store": {
                "description": "Answers about sessions are never cached.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "error"
                ],
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "properties": {
                      "code": {
                        "type": "string",
                        "enum": [
                          "bad_request",
                          "invalid_session_id",
                          "invalid_user_id",
                          "invalid_data",
                          "reserved_key",
                          "invalid_cursor",
                          "invalid_scope",
                          "unauthorized",
                          "invalid_token",
                          "invalid_refresh_token",
                          "refresh_token_reused",
                          "forbidden",
                          "not_found",
                          "session_not_found",
                          "session_unreadable",
                          "method_not_allowed",
                          "version_conflict",
                          "too_many_sessions",
                          "data_too_large",
                          "body_too_large",
                          "internal",
                          "store_unavailable",
                          "store_full"
                        ],
                        "description": "Stable code to switch on:\n\n- `bad_request` (400): The request is malformed (body, parameter or header).\n- `invalid_session_id` (400): The text is not a session ID.\n- `invalid_user_id` (400): The user ID is empty, too long or holds control characters.\n- `invalid_data` (400): The data is not what the call takes (e.g. an increment of a key that holds no number, or an unknown rate-limit bucket).\n- `reserved_key` (400): The change names a key reserved for Cloakroom (`cloakroom:` prefix).\n- `invalid_cursor` (400): The paging cursor was not one this service handed out.\n- `invalid_scope` (400): The requested token scope is not a list of scope tokens.\n- `unauthorized` (401): No API key, or one this service does not know.\n- `invalid_token` (401): The access token is malformed, forged, expired or revoked.\n- `invalid_refresh_token` (401): The refresh token is unknown or can no longer be used.\n- `refresh_token_reused` (401): A used refresh token came back; its session has been ended.\n- `forbidden` (403): The API key lacks the scope the call needs.\n- `not_found` (404): No such endpoint.\n- `session_not_found` (404): No live session has this ID.\n- `session_unreadable` (404): The session's stored bytes cannot be read (corrupt, or sealed with a lost key).\n- `method_not_allowed` (405): The endpoint does not take that method.\n- `version_conflict` (409): The session changed since the version the caller named.\n- `too_many_sessions` (409): The user holds the most sessions allowed and the policy refuses more.\n- `data_too_large` (413): The session data would pass the maximum size.\n- `body_too_large` (413): The request body passes the maximum size.\n- `internal` (500): Something unexpected failed; the server log has the details.\n- `store_unavailable` (503): The session store is unreachable or failing.\n- `store_full` (503): A bounded store holds its maximum number of sessions."
                      },
                      "message": {
                        "type": "string",
                        "description": "What was wrong and what to do. Never holds an ID, token or key."
                      }
                    }
                  }
                },
                "description": "Every error answer has this shape."
              },
              "SessionID": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
                "description": "A session ID: 32 random bytes as 43 base64url characters without padding (so the last character carries 2 zero bits). A secret: it travels only in bodies, never in URLs.",
                "example": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk"
              },
              "UserID": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
                "description": "Your application's user ID: 1 to 256 characters (the server counts bytes), no control characters.",
                "example": "user-42"
              },
              "SessionData": {
                "type": "object",
                "additionalProperties": true,
                "description": "Session data: a JSON object. Keys starting with `cloakroom:` are reserved and refused.",
                "example": {
                  "cart": 3,
                  "theme": "dark"
                }
              },
              "SessionSummary": {
                "type": "object",
                "description": "A session without its data, as a listing shows it. Times are RFC 3339 in UTC with milliseconds.",
                "required": [
                  "handle",
                  "user_id",
                  "created_at",
                  "last_seen_at",
                  "idle_expires_at",
                  "absolute_expires_at",
                  "version",
                  "ip",
                  "user_agent",
                  "device",
                  "authenticated_at"
                ],
                "properties": {
                  "handle": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{16}$",
                    "description": "A public name for the session (a prefix of the hex of its key's hash): safe to show, to log and to end a session by."
                  },
                  "user_id": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "last_seen_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "idle_expires_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the session ends unless used; slides forward as it is used."
                  },
                  "absolute_expires_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the session ends however it is used."
                  },
                  "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Grows on every write; pass it as `if_version` for compare-and-set."
                  },
                  "ip": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "user_agent": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "device": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "A short label derived from the user agent, e.g. `Firefox on Linux`."
                  },
                  "authenticated_at": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time",
                    "description": "When a user last signed in on this session (create or rotate with `user_id`)."
                  }
                },
                "example": {
                  "handle": "9f2c1a7e4b3d8c05",
                  "user_id": "user-42",
                  "created_at": "2026-12-04T09:15:00.000Z",
                  "last_seen_at": "2026-12-04T09:20:12.345Z",
                  "idle_expires_at": "2026-12-04T09:50:12.345Z",
                  "absolute_expires_at": "2026-12-05T09:15:00.000Z",
                  "version": 4,
                  "ip": "203.0.113.7",
                  "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                  "device": "Firefox on Linux",
                  "authenticated_at": "2026-12-04T09:15:00.000Z"
                }
              },
              "Session": {
                "description": "A session with its data.",
                "allOf": [
                  {
                    "$ref": "#/components/schemas/SessionSummary"
                  },
                  {
                    "type": "object",
                    "required": [
                      "data"
                    ],
                    "properties": {
                      "data": {
                        "$ref": "#/components/schemas/SessionData"
                      }
                    }
                  }
                ],
                "example": {
                  "handle": "9f2c1a7e4b3d8c05",
                  "user_id": "user-42",
                  "data": {
                    "cart": 3,
                    "theme": "dark"
                  },
                  "created_at": "2026-12-04T09:15:00.000Z",
                  "last_seen_at": "2026-12-04T09:20:12.345Z",
                  "idle_expires_at": "2026-12-04T09:50:12.345Z",
                  "absolute_expires_at": "2026-12-05T09:15:00.000Z",
                  "version": 4,
                  "ip": "203.0.113.7",
                  "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                  "device": "Firefox on Linux",
                  "authenticated_at": "2026-12-04T09:15:00.000Z"
                }
              },
              "IssuedSession": {
                "type": "object",
                "required": [
                  "id",
                  "session"
                ],
                "description": "A new ID and its session. Give the ID to the client (in a cookie); keep it out of logs and URLs.",
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  },
                  "session": {
                    "$ref": "#/components/schemas/Session"
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk",
                  "session": {
                    "handle": "9f2c1a7e4b3d8c05",
                    "user_id": "user-42",
                    "data": {
                      "cart": 3,
                      "theme": "dark"
                    },
                    "created_at": "2026-12-04T09:15:00.000Z",
                    "last_seen_at": "2026-12-04T09:20:12.345Z",
                    "idle_expires_at": "2026-12-04T09:50:12.345Z",
                    "absolute_expires_at": "2026-12-05T09:15:00.000Z",
                    "version": 4,
                    "ip": "203.0.113.7",
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                    "device": "Firefox on Linux",
                    "authenticated_at": "2026-12-04T09:15:00.000Z"
                  }
                }
              },
              "SessionAnswer": {
                "type": "object",
                "required": [
                  "session"
                ],
                "properties": {
                  "session": {
                    "$ref": "#/components/schemas/Session"
                  }
                },
                "example": {
                  "session": {
                    "handle": "9f2c1a7e4b3d8c05",
                    "user_id": "user-42",
                    "data": {
                      "cart": 3,
                      "theme": "dark"
                    },
                    "created_at": "2026-12-04T09:15:00.000Z",
                    "last_seen_at": "2026-12-04T09:20:12.345Z",
                    "idle_expires_at": "2026-12-04T09:50:12.345Z",
                    "absolute_expires_at": "2026-12-05T09:15:00.000Z",
                    "version": 4,
                    "ip": "203.0.113.7",
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                    "device": "Firefox on Linux",
                    "authenticated_at": "2026-12-04T09:15:00.000Z"
                  }
                }
              },
              "SessionList": {
                "type": "object",
                "required": [
                  "sessions",
                  "next_cursor"
                ],
                "properties": {
                  "sessions": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/SessionSummary"
                    },
                    "description": "Newest first."
                  },
                  "next_cursor": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "Pass as `cursor` for the next page; `null` on the last page."
                  }
                },
                "example": {
                  "sessions": [
                    {
                      "handle": "9f2c1a7e4b3d8c05",
                      "user_id": "user-42",
                      "created_at": "2026-12-04T09:15:00.000Z",
                      "last_seen_at": "2026-12-04T09:20:12.345Z",
                      "idle_expires_at": "2026-12-04T09:50:12.345Z",
                      "absolute_expires_at": "2026-12-05T09:15:00.000Z",
                      "version": 4,
                      "ip": "203.0.113.7",
                      "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                      "device": "Firefox on Linux",
                      "authenticated_at": "2026-12-04T09:15:00.000Z"
                    }
                  ],
                  "next_cursor": null
                }
              },
              "EndedCount": {
                "type": "object",
                "required": [
                  "ended"
                ],
                "properties": {
                  "ended": {
                    "type": "integer",
                    "minimum": 0
                  }
                },
                "example": {
                  "ended": 2
                }
              },
              "CreateSessionRequest": {
                "type": "object",
                "properties": {
                  "user_id": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "minLength": 1,
                    "maxLength": 256,
                    "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
                    "description": "The signed-in user, if any; anonymous sessions have none."
                  },
                  "data": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "additionalProperties": true,
                    "description": "Session data: a JSON object. Keys starting with `cloakroom:` are reserved and refused."
                  },
                  "ip": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 64,
                    "description": "The client's address, as your app sees it (at most 64 bytes)."
                  },
                  "user_agent": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 1024,
                    "description": "The client's User-Agent (at most 1024 bytes)."
                  }
                },
                "example": {
                  "user_id": "user-42",
                  "data": {
                    "theme": "dark"
                  },
                  "ip": "203.0.113.7",
                  "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
                }
              },
              "SessionIDRequest": {
                "type": "object",
                "required": [
                  "id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk"
                }
              },
              "ResumeSessionRequest": {
                "type": "object",
                "required": [
                  "id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  },
                  "ip": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 64,
                    "description": "The client making this request, compared with the one the session last saw."
                  },
                  "user_agent": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 1024
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk",
                  "ip": "203.0.113.7"
                }
              },
              "UpdateSessionRequest": {
                "type": "object",
                "required": [
                  "id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  },
                  "set": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "additionalProperties": true,
                    "description": "Keys to set to these values; other keys stay."
                  },
                  "unset": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "string"
                    },
                    "description": "Keys to remove."
                  },
                  "increment": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "additionalProperties": {
                      "type": "number",
                      "minimum": -9007199254740992,
                      "maximum": 9007199254740992
                    },
                    "description": "Numbers to add to keys (a missing key counts as 0), applied atomically: concurrent increments all count."
                  },
                  "if_version": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0,
                    "maximum": 9223372036854775807,
                    "format": "int64",
                    "description": "Compare-and-set: apply only if the session is still at this version (409 otherwise). Without it, concurrent changes to different keys all survive. Described up to 2^63 - 1 so that generators map it to a signed 64-bit integer; versions grow by one per write and never come near it."
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk",
                  "set": {
                    "theme": "light"
                  },
                  "unset": [
                    "draft"
                  ],
                  "increment": {
                    "cart": 1
                  }
                }
              },
              "RotateSessionRequest": {
                "type": "object",
                "required": [
                  "id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  },
                  "user_id": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "minLength": 1,
                    "maxLength": 256,
                    "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
                    "description": "A user who just signed in (or signed in again): recorded as the session's user, with `authenticated_at` now."
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk",
                  "user_id": "user-42"
                }
              },
              "EndUserSessionsRequest": {
                "type": "object",
                "properties": {
                  "except": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
                    "description": "A session to keep (\"log out everywhere else\")."
                  }
                },
                "example": {
                  "except": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk"
                }
              },
              "GrantTokenRequest": {
                "type": "object",
                "required": [
                  "id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/SessionID"
                  },
                  "scope": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "Space-separated scope tokens (RFC 6749 §3.3).",
                    "example": "read write"
                  }
                },
                "example": {
                  "id": "Wfr09QP63IWx23YNRmg5nCh9O7DyFUKLwTIQCwxzlsk",
                  "scope": "read"
                }
              },
              "TokenPair": {
                "type": "object",
                "required": [
                  "access_token",
                  "refresh_token",
                  "token_type",
                  "expires_in"
                ],
                "properties": {
                  "access_token": {
                    "type": "string",
                    "description": "A JWT bound to the session (`sid` is the session's key, never its ID)."
                  },
                  "refresh_token": {
                    "type": "string",
                    "description": "Opaque, single use: each refresh returns a new one; presenting a used one ends the session."
                  },
                  "token_type": {
                    "type": "string",
                    "enum": [
                      "Bearer"
                    ]
                  },
                  "expires_in": {
                    "type": "integer",
                    "description": "Seconds until the access token expires."
                  },
                  "scope": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "example": {
                  "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl",
                  "refresh_token": "rt_Zm9vYmFyYmF6cXV4",
                  "token_type": "Bearer",
                  "expires_in": 900,
                  "scope": "read"
                }
              },
              "RefreshTokenRequest": {
                "type": "object",
                "required": [
                  "refresh_token"
                ],
                "properties": {
                  "refresh_token": {
                    "type": "string"
                  }
                },
                "example": {
                  "refresh_token": "rt_Zm9vYmFyYmF6cXV4"
                }
              },
              "TokenRequest": {
                "type": "object",
                "required": [
                  "token"
                ],
                "properties": {
                  "token": {
                    "type": "string",
                    "description": "An access token or a refresh token."
                  }
                },
                "example": {
                  "token": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"
                }
              },
              "TokenIntrospection": {
                "type": "object",
                "required": [
                  "active"
                ],
                "description": "RFC 7662 §2.2. An inactive token tells nothing more than `active: false` and a `reason` code.",
                "properties": {
                  "active": {
                    "type": "boolean"
                  },
                  "token_type": {
                    "type": "string",
                    "enum": [
                      "access_token",
                      "refresh_token"
                    ]
                  },
                  "sub": {
                    "type": "string"
                  },
                  "sid": {
                    "type": "string",
                    "description": "The session's key (hex), not its ID."
                  },
                  "scope": {
                    "type": "string"
                  },
                  "exp": {
                    "type": "integer"
                  },
                  "iat": {
                    "type": "integer"
                  },
                  "jti": {
                    "type": "string"
                  },
                  "iss": {
                    "type": "string"
                  },
                  "aud": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "reason": {
                    "type": "string",
                    "description": "Why an inactive token is inactive, e.g. `expired`, `malformed`, `revoked`."
                  }
                },
                "example": {
                  "active": false,
                  "reason": "expired"
                }
              },
              "RevokedAnswer": {
                "type": "object",
                "required": [
                  "revoked"
                ],
                "properties": {
                  "revoked": {
                    "type": "boolean",
                    "description": "Whether the token was live and is now revoked."
                  }
                },
                "example": {
                  "revoked": true
                }
              },
              "LimitCheckRequest": {
                "type": "object",
                "required": [
                  "bucket",
                  "key"
                ],
                "properties": {
                  "bucket": {
                    "type": "string",
                    "description": "A bucket configured with `CLOAKROOM_RATE_LIMITS` (e.g. `login`)."
                  },
                  "key": {
                    "type": "string",
                    "description": "Whom to count: an account, an address (1 to 256 bytes)."
                  },
                  "cost": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": -9223372036854775808,
                    "maximum": 9223372036854775807,
                    "description": "How much this attempt uses, from 0 to the bucket's limit (default 1)."
                  }
                },
                "example": {
                  "bucket": "login",
                  "key": "alice@example.com"
                }
              },
              "LimitResetRequest": {
                "type": "object",
                "required": [
                  "bucket",
                  "key"
                ],
                "properties": {
                  "bucket": {
                    "type": "string"
                  },
                  "key": {
                    "type": "string"
                  }
                },
                "example": {
                  "bucket": "login",
                  "key": "alice@example.com"
                }
              },
              "LimitDecision": {
                "type": "object",
                "required": [
                  "allowed",
                  "remaining",
                  "limit",
                  "retry_after",
                  "reset_after"
                ],
                "properties": {
                  "allowed": {
                    "type": "boolean"
                  },
                  "remaining": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "limit": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "retry_after": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Seconds until an attempt of this cost would be allowed (0 when allowed)."
                  },
                  "reset_after": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Seconds until the bucket is full again."
                  }
                },
                "example": {
                  "allowed": false,
                  "remaining": 0,
                  "limit": 5,
                  "retry_after": 11.5,
                  "reset_after": 59.2
                }
              },
              "Health": {
                "type": "object",
                "required": [
                  "status"
                ],
                "properties": {
                  "status": {
                    "type": "string",
                    "enum": [
                      "ok",
                      "degraded",
                      "unavailable"
                    ]
                  },
                  "stores": {
                    "type": "array",
                    "description": "Each store, only for a caller with an `admin` API key.",
                    "items": {
                      "type": "object",
                      "required": [
                        "name",
                        "status"
                      ],
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "role": {
                          "type": "string"
                        },
                        "status": {
                          "type": "string",
                          "enum": [
                            "ok",
                            "down",
                            "recovering"
                          ]
                        },
                        "detail": {
                          "type": "string"
                        }
                      }
                    }
                  }
                },
                "example": {
                  "status": "ok"
                }
              },
              "JWKSet": {
                "type": "object",
                "required": [
                  "keys"
                ],
                "properties": {
                  "keys": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "kty"
                      ],
                      "additionalProperties": true,
                      "properties": {
                        "kty": {
                          "type": "string"
                        },
                        "kid": {
                          "type": "string"
                        },
                        "alg": {
                          "type": "string"
                        },
                        "use": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "BadRequest": {
                "description": "Bad input: the message names the field and what it must be.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "bad_request",
                                "invalid_session_id",
                                "invalid_user_id",
                                "invalid_data",
                                "reserved_key",
                                "invalid_cursor",
                                "invalid_scope"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "bad_request",
                        "message": "'id' is required"
                      }
                    }
                  }
                }
              },
              "Unauthorized": {
                "description": "No API key, an unknown one, or (for token calls) a token that is not valid.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  },
                  "WWW-Authenticate": {
                    "description": "`Bearer`, when the API key is missing or unknown.",
                    "schema": {
                      "type": "string"
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "unauthorized",
                                "invalid_token",
                                "invalid_refresh_token",
                                "refresh_token_reused"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "unauthorized",
                        "message": "send a valid API key as 'Authorization: Bearer <key>'"
                      }
                    }
                  }
                }
              },
              "Forbidden": {
                "description": "The API key lacks the scope this call needs.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "forbidden"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "forbidden",
                        "message": "API key 'reporting' lacks the 'sessions' scope this call needs"
                      }
                    }
                  }
                }
              },
              "NotFound": {
                "description": "No live session has this ID: it expired, ended, never existed, or its stored bytes cannot be read.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "not_found",
                                "session_not_found",
                                "session_unreadable"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "not_found",
                        "message": "no live session has this ID; it expired, ended or never existed"
                      }
                    }
                  }
                }
              },
              "Conflict": {
                "description": "A version conflict (`if_version` is stale), or the user holds the most sessions the policy allows.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "version_conflict",
                                "too_many_sessions"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "version_conflict",
                        "message": "the session changed since version 3; read it again and retry"
                      }
                    }
                  }
                }
              },
              "ContentTooLarge": {
                "description": "The request body, or the session data it would make, passes the maximum size.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "data_too_large",
                                "body_too_large"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "data_too_large",
                        "message": "the request body exceeds 65536 bytes"
                      }
                    }
                  }
                }
              },
              "Unavailable": {
                "description": "The session store is unavailable or full; retry shortly.",
                "headers": {
                  "Cloakroom-Degraded": {
                    "$ref": "#/components/headers/Cloakroom-Degraded"
                  },
                  "Cache-Control": {
                    "$ref": "#/components/headers/Cache-Control-No-Store"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        }
                      ],
                      "properties": {
                        "error": {
                          "properties": {
                            "code": {
                              "enum": [
                                "store_unavailable",
                                "store_full"
                              ]
                            }
                          }
                        }
                      }
                    },
                    "example": {
                      "error": {
                        "code": "store_unavailable",
                        "message": "the session store is unavailable; retry shortly"
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
