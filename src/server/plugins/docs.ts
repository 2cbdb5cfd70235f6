/**
 * The OpenAPI document (built from the routes' own schemas) and Swagger UI at /docs.
 * The docs need a credential like every other route; they also accept HTTP Basic
 * (username and password, or an API key as the password) so a browser can open them.
 * BULWARK_PUBLIC_DOCS=true serves them to anyone.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

export async function installDocs(
  app: FastifyInstance,
  options: { version: string; publicDocs: boolean },
): Promise<void> {
  app.addHook("onRoute", (route) => {
    if (route.url === "/docs" || route.url.startsWith("/docs/")) {
      route.config = {
        ...(route.config ?? {}),
        access: options.publicDocs ? "public" : "detect",
        basicAuth: true,
      };
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Bulwark",
        version: options.version,
        description:
          "Detects prompt injection and jailbreaks in texts before an LLM application trusts them, and runs the " +
          "datasets, training, models, storage, users, keys, jobs and audit trail behind it. Every response is " +
          '`{"status": "success", "data", "timestamp"}` or `{"status": "error", "error", "code", "timestamp"}`.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "An API key (bwk_...) or a token from POST /v1/auth/login",
          },
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
      tags: [
        { name: "detection", description: "Screen texts and documents" },
        {
          name: "output",
          description: "Canary tokens, and the screening of an LLM's answers before they are shown",
        },
        {
          name: "privacy",
          description:
            "Personal data and secrets found in a text and redacted (mask, keyed hash, removal); data subjects' rights (erasure, access) and retention (admin)",
        },
        {
          name: "feedback",
          description: "Reports of wrong verdicts: any caller files its own; analysts and admins review them",
        },
        { name: "auth", description: "Log in" },
        {
          name: "session",
          description:
            "The dashboard's browser session: an HttpOnly cookie, with an X-CSRF-Token header on every change",
        },
        {
          name: "dashboard",
          description: "The web dashboard's page and built assets (public; its data is not)",
        },
        { name: "users", description: "People (admin)" },
        { name: "keys", description: "API keys for services (admin)" },
        { name: "jobs", description: "Long-running work: training runs, dataset imports, audit snapshots" },
        { name: "datasets", description: "The dataset catalogue: list, stats, export, import" },
        { name: "training", description: "Training jobs and runs" },
        {
          name: "learning",
          description:
            "Learning cycles: red team the champion, train a challenger, promote it only if it wins",
        },
        { name: "models", description: "The model registry: versions, promotion, rollback, integrity" },
        { name: "storage", description: "The object store" },
        {
          name: "analytics",
          description:
            "Detection events summed up: a summary of a time range, time series, the security report with charts, and drift from the production model's validation data (analysts and admins)",
        },
        {
          name: "shadow",
          description:
            "Shadow models: a challenger scores a sample of live traffic beside production, off the request path (admins set it, analysts read it)",
        },
        { name: "audit", description: "The hash-chained audit trail (admin)" },
        { name: "backups", description: "Backups of the database and the store's manifest (admin)" },
        { name: "service", description: "Health, readiness, metrics" },
      ],
    },
    // Shared schemas appear under their own names (Verdict, Job, Run...), not def-0, def-1.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
}
