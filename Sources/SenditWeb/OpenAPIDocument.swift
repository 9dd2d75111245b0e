/// The JSON API's description (OpenAPI 3.1), served at /api/v1/openapi.json. It is the source of
/// truth: the route tests validate every answer they get against the schema named here for it
/// (Tests/SenditWebTests), and conformance/web-test checks the document with
/// openapi-spec-validator.
public enum OpenAPIDocument {
    public static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "sendit", "version": "1", "description": "The sendit node's JSON API: what the web pages show and do. Authenticate with a session cookie (then POSTs carry X-CSRF-Token) or Authorization: Bearer TOKEN (sendit token add). No answer holds an original patient name, ID, birth date or accession number."},
      "servers": [{"url": "/api/v1"}],
      "security": [{"bearer": []}, {"session": []}],
      "paths": {
        "/whoami": {"get": {"operationId": "whoami", "responses": {"200": {"description": "Who is asking", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Whoami"}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/dashboard": {"get": {"operationId": "dashboard", "responses": {"200": {"description": "Counts, queues, activity, problems, live figures", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dashboard"}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/series": {"get": {"operationId": "listSeries",
          "parameters": [
            {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/ImageStatus"}},
            {"name": "modality", "in": "query", "schema": {"type": "string"}},
            {"name": "project", "in": "query", "schema": {"type": "string"}, "description": "only this project's series (PROJECTS_FILE; default without projects)"},
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "uid", "in": "query", "schema": {"type": "string"}, "description": "A SeriesInstanceUID or StudyInstanceUID, or its start"},
            {"name": "failedAt", "in": "query", "schema": {"type": "string"}, "description": "A destination with a failed delivery"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "The next field of the previous page"}],
          "responses": {"200": {"description": "A page of series, newest first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesPage"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/series/search": {"post": {"operationId": "searchSeries", "description": "Series whose original or coded patient ID or accession number is the value given; an original is matched by its keyed digest, never kept or shown.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string", "maxLength": 200}}}}}},
          "responses": {"200": {"description": "The matching series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesPage"}}}}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/series/{uid}": {"get": {"operationId": "getSeries", "parameters": [{"$ref": "#/components/parameters/uid"}],
          "responses": {"200": {"description": "One series in full", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesDetail"}}}}, "404": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/series/{uid}/retry": {"post": {"operationId": "retrySeries", "parameters": [{"$ref": "#/components/parameters/uid"}], "responses": {"200": {"$ref": "#/components/responses/Action"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/series/{uid}/release": {"post": {"operationId": "releaseSeries", "parameters": [{"$ref": "#/components/parameters/uid"}], "responses": {"200": {"$ref": "#/components/responses/Action"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/series/{uid}/drop": {"post": {"operationId": "dropSeries", "parameters": [{"$ref": "#/components/parameters/uid"}], "responses": {"200": {"$ref": "#/components/responses/Action"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/staging": {"get": {"operationId": "listStaging", "responses": {"200": {"description": "Studies still arriving", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/StagingFolder"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/staging/{name}/complete": {"post": {"operationId": "forceComplete", "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"$ref": "#/components/responses/Action"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/destinations": {"get": {"operationId": "listDestinations", "responses": {"200": {"description": "Per destination: queued, retrying, sent, refused, done (as sendit send-status)", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Destination"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/destinations/{name}/check": {"post": {"operationId": "checkDestination", "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "Whether it answers now: C-ECHO, or a token from its credentials", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DestinationCheck"}}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/quarantine": {"get": {"operationId": "listQuarantine", "responses": {"200": {"description": "Quarantined files, newest first", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/QuarantineLine"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/alerts": {"get": {"operationId": "listAlerts", "responses": {"200": {"description": "The latest alerts, newest first, with their webhooks' progress", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/AlertRecord"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/audit": {"get": {"operationId": "auditTrail", "parameters": [{"name": "before", "in": "query", "schema": {"type": "integer"}}], "responses": {"200": {"description": "The audit trail, newest first", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/settings": {"get": {"operationId": "settings", "responses": {"200": {"description": "The effective configuration, secrets masked (admin)", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "required": ["key", "value"], "additionalProperties": false, "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}}}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}}
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "session": {"type": "apiKey", "in": "cookie", "name": "sendit_session"}},
        "parameters": {"uid": {"name": "uid", "in": "path", "required": true, "schema": {"type": "string"}, "description": "SeriesInstanceUID"}},
        "responses": {
          "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Action": {"description": "The action's outcome", "content": {"application/json": {"schema": {"type": "object", "required": ["ok", "message"], "additionalProperties": false, "properties": {"ok": {"type": "boolean"}, "message": {"type": "string"}}}}}}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error", "status"], "additionalProperties": false, "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
          "Whoami": {"type": "object", "required": ["name", "role"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}}},
          "Role": {"type": "string", "enum": ["viewer", "operator", "admin"]},
          "ImageStatus": {"type": "string", "enum": ["NEW", "PROCESSING", "DONEPROCESSING", "SENT", "DONE", "QUARANTINED", "HELD", "FAILED"]},
          "Counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
          "Dashboard": {"type": "object", "required": ["figures", "live"], "additionalProperties": false, "properties": {
            "figures": {"type": "object", "required": ["studies", "series", "images", "imagesByStatus", "seriesByStatus", "jobs", "pendingDeliveries", "quarantined", "activity", "latestProblems"], "additionalProperties": false, "properties": {
              "studies": {"type": "integer"}, "series": {"type": "integer"}, "images": {"type": "integer"},
              "imagesByStatus": {"$ref": "#/components/schemas/Counts"}, "seriesByStatus": {"$ref": "#/components/schemas/Counts"},
              "jobs": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Counts"}},
              "pendingDeliveries": {"$ref": "#/components/schemas/Counts"}, "quarantined": {"type": "integer"},
              "activity": {"type": "array", "items": {"type": "object", "required": ["hour", "kind", "images", "bytes"], "additionalProperties": false, "properties": {"hour": {"type": "string"}, "kind": {"type": "string", "enum": ["received", "deidentified", "delivered", "quarantined", "failed", "held"]}, "images": {"type": "integer"}, "bytes": {"type": "integer"}}}},
              "latestProblems": {"type": "array", "items": {"type": "object", "required": ["seriesInstanceUID", "status", "reason", "images", "at"], "additionalProperties": false, "properties": {"seriesInstanceUID": {"type": "string"}, "status": {"$ref": "#/components/schemas/ImageStatus"}, "reason": {"type": "string"}, "images": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}}}}},
            "live": {"type": "object", "required": ["openAssociations", "disks"], "additionalProperties": false, "properties": {
              "openAssociations": {"type": "integer"},
              "disks": {"type": "array", "items": {"type": "object", "required": ["name", "folder", "files", "bytes"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "folder": {"type": "string"}, "files": {"type": "integer"}, "bytes": {"type": "integer"}, "available": {"type": "integer"}, "countedAt": {"type": "string", "format": "date-time"}}}},
              "diskLow": {"type": "string", "description": "why the node takes no images now (free space below DISK_MIN_FREE); absent when it does"}}}}},
          "SeriesPage": {"type": "object", "required": ["series"], "additionalProperties": false, "properties": {
            "next": {"type": "integer"},
            "series": {"type": "array", "items": {"type": "object", "required": ["id", "studyInstanceUID", "seriesInstanceUID", "project", "receivedAt", "images", "status", "imagesByStatus"], "additionalProperties": false, "properties": {
              "id": {"type": "integer"}, "studyInstanceUID": {"type": "string"}, "seriesInstanceUID": {"type": "string"}, "modality": {"type": "string"}, "project": {"type": "string"},
              "receivedAt": {"type": "string", "format": "date-time"}, "images": {"type": "integer"}, "status": {"type": "string"}, "imagesByStatus": {"$ref": "#/components/schemas/Counts"}}}}}},
          "SeriesDetail": {"type": "object", "required": ["studyInstanceUID", "seriesInstanceUID", "project", "receivedAt", "status", "imagesByStatus", "images", "jobs", "deliveries", "events", "identifiers"], "additionalProperties": false, "properties": {
            "studyInstanceUID": {"type": "string"}, "seriesInstanceUID": {"type": "string"}, "modality": {"type": "string"}, "project": {"type": "string"},
            "receivedAt": {"type": "string", "format": "date-time"}, "status": {"type": "string"}, "imagesByStatus": {"$ref": "#/components/schemas/Counts"},
            "images": {"type": "array", "items": {"type": "object", "required": ["sopInstanceUID", "sopClassUID", "status", "size"], "additionalProperties": false, "properties": {"sopInstanceUID": {"type": "string"}, "sopClassUID": {"type": "string"}, "status": {"$ref": "#/components/schemas/ImageStatus"}, "reason": {"type": "string"}, "size": {"type": "integer"}}}},
            "jobs": {"type": "array", "items": {"type": "object", "required": ["stage", "state", "attempts", "maxAttempts", "updatedAt"], "additionalProperties": false, "properties": {"stage": {"type": "string"}, "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]}, "attempts": {"type": "integer"}, "maxAttempts": {"type": "integer"}, "lastError": {"type": "string"}, "updatedAt": {"type": "string", "format": "date-time"}}}},
            "deliveries": {"type": "array", "items": {"type": "object", "required": ["destination", "state", "images"], "additionalProperties": false, "properties": {"destination": {"type": "string"}, "state": {"type": "string", "enum": ["sent", "done", "failed", "skipped"]}, "images": {"type": "integer"}, "detail": {"type": "string"}}}},
            "events": {"type": "array", "items": {"type": "object", "required": ["at", "entity", "to", "reason"], "additionalProperties": false, "properties": {"at": {"type": "string", "format": "date-time"}, "entity": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "reason": {"type": "string"}}}},
            "identifiers": {"type": "object", "additionalProperties": {"type": "string"}},
            "originals": {"description": "Only with SHOW_PHI=true, only to admins: read from a received image still on disk", "type": "object", "required": ["onDisk"], "additionalProperties": false, "properties": {"onDisk": {"type": "boolean"}, "note": {"type": "string"}, "patientName": {"type": "string"}, "patientID": {"type": "string"}, "patientBirthDate": {"type": "string"}, "accessionNumber": {"type": "string"}}}}},
          "Destination": {"type": "object", "required": ["name", "address", "queued", "retrying", "sent", "failed", "refusals", "done", "skipped", "skipReasons", "cleanedUp", "failedJobs"], "additionalProperties": false, "properties": {
            "name": {"type": "string"}, "address": {"type": "string"}, "queued": {"type": "integer"}, "sent": {"type": "integer"}, "failed": {"type": "integer"},
            "done": {"type": "integer"}, "skipped": {"type": "integer"}, "cleanedUp": {"type": "integer"}, "failedJobs": {"type": "integer"},
            "retrying": {"type": "array", "items": {"type": "object", "required": ["seriesInstanceUID", "images", "attempts", "nextAttemptAt"], "additionalProperties": false, "properties": {"seriesInstanceUID": {"type": "string"}, "images": {"type": "integer"}, "attempts": {"type": "integer"}, "nextAttemptAt": {"type": "string", "format": "date-time"}, "lastError": {"type": "string"}}}},
            "refusals": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}}, "skipReasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}}}},
          "Reason": {"type": "object", "required": ["reason", "images"], "additionalProperties": false, "properties": {"reason": {"type": "string"}, "images": {"type": "integer"}}},
          "DestinationCheck": {"type": "object", "required": ["destination", "ok", "detail", "milliseconds"], "additionalProperties": false, "properties": {"destination": {"type": "string"}, "ok": {"type": "boolean"}, "detail": {"type": "string"}, "milliseconds": {"type": "integer"}}},
          "StagingFolder": {"type": "object", "required": ["name", "images", "lastArrival"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "images": {"type": "integer"}, "lastArrival": {"type": "string", "format": "date-time"}}},
          "QuarantineLine": {"type": "object", "description": "fileName (as received) and movedTo (relative to QUARANTINE_FOLDER; empty: left in place) for admins only", "required": ["id", "reason", "at"], "additionalProperties": false, "properties": {"id": {"type": "integer"}, "fileName": {"type": "string"}, "movedTo": {"type": "string"}, "reason": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}},
          "AlertRecord": {"type": "object", "required": ["id", "key", "condition", "kind", "body", "createdAt", "delivered", "pending"], "additionalProperties": false, "properties": {"id": {"type": "integer"}, "key": {"type": "string"}, "condition": {"type": "string"}, "kind": {"type": "string", "enum": ["series-failed", "series-held", "destination-down", "disk-low", "restart-after-crash"]}, "body": {"type": "string", "description": "the JSON POSTed to the webhooks"}, "createdAt": {"type": "string", "format": "date-time"}, "clearedAt": {"type": "string", "format": "date-time"}, "delivered": {"type": "integer"}, "pending": {"type": "integer"}, "lastError": {"type": "string"}}},
          "AuditEntry": {"type": "object", "required": ["at", "actor", "address", "action", "target", "detail"], "additionalProperties": false, "properties": {"id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}, "address": {"type": "string"}, "action": {"type": "string", "enum": ["login", "login-failed", "logout", "retry", "release", "drop", "force-complete", "user-added", "user-removed", "password-changed", "token-added", "token-removed", "search", "view-originals", "lookup-imported", "lookup-exported"]}, "target": {"type": "string"}, "detail": {"type": "string"}}}
        }
      }
    }
    """#
}
