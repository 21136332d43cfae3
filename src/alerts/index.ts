// The alerts package's public door: webhook delivery and the alert body.

export { postWebhook, alertBody, runPageUrl } from "./webhook.js";
export type { WebhookOptions, WebhookResult, AlertInput, AlertBody } from "./webhook.js";
