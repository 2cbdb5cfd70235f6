/** The browser session of the dashboard: who is signed in and the CSRF token its page sends back. */
import { Type } from "@sinclair/typebox";
import { RoleSchema } from "./service.js";

export const SessionInfo = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String(), role: RoleSchema }),
  csrfToken: Type.String({
    description: "Send it as the X-CSRF-Token header on every POST, PUT, PATCH and DELETE",
  }),
  expiresAt: Type.Optional(Type.String({ format: "date-time" })),
});
