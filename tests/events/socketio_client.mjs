// The CryptoShop document's client, unmodified: the stock npm socket.io-client connects
// to the server root with `auth: {accessToken}`, receives `order:updated` caused by an HTTP
// request, and a bad token gets `connect_error` "Authentication failed". The webhook sent
// for the same event is checked with the document's Node.js `verifyWebhook`.
//
// Usage: node socketio_client.mjs http://127.0.0.1:PORT   (prints OK and exits 0)
import crypto from "node:crypto";
import http from "node:http";
import { io } from "socket.io-client";

const base = process.argv[2];
const api = `${base}/cryptoshop/api`;
const secret = "your-webhook-secret";

// --- the document's verification code, as written ---------------------------------
function verifyWebhook(payload, signature, secret) {
  const hmac = crypto.createHmac("sha256", secret);
  hmac.update(payload);
  const expectedSignature = hmac.digest("hex");

  return signature === `sha256=${expectedSignature}`;
}

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
setTimeout(() => fail("timed out"), 30000).unref();

async function call(path, token, body) {
  const response = await fetch(`${api}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body ?? {}),
  });
  const data = await response.json();
  if (!data.success) fail(`${path}: ${JSON.stringify(data)}`);
  return data.data;
}

// 1. a bad token is refused with "Authentication failed"
await new Promise((resolve) => {
  const bad = io(base, { auth: { accessToken: "cs_bad_token" }, reconnection: false });
  bad.on("connect", () => fail("connected with a bad token"));
  bad.on("connect_error", (error) => {
    if (!error.message.includes("Authentication failed")) fail(`connect_error: ${error.message}`);
    bad.close();
    resolve();
  });
});

// 2. a webhook receiver; its signature must pass the document's check
const webhook = new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      res.writeHead(200).end("ok");
      server.close();
      resolve({ raw, signature: req.headers["x-webhook-signature"] });
    });
  });
  server.listen(0, "127.0.0.1", () => {
    globalThis.hookUrl = `http://127.0.0.1:${server.address().port}/hook`;
  });
});
while (!globalThis.hookUrl) await new Promise((r) => setTimeout(r, 10));

// 3. register, subscribe the webhook, connect as the document shows
const { accessToken } = await call("/auth/register");
await call("/webhooks", accessToken, { url: globalThis.hookUrl, events: ["order.updated"], secret });

const socket = io(base, { auth: { accessToken }, reconnection: false });
socket.on("connect_error", (error) => fail(`connect_error: ${error.message}`));
const update = new Promise((resolve) => socket.on("order:updated", resolve));
await new Promise((resolve) => socket.on("connect", resolve));

// 4. an HTTP request changes the order; the event arrives over Socket.IO and the webhook
await call("/test-only/order-status", accessToken, {
  orderId: "order_789",
  status: "CONFIRMED",
  message: "Your order has been confirmed",
});
const data = await update;
if (data.orderId !== "order_789" || data.status !== "CONFIRMED" || !data.message) {
  fail(`order:updated payload: ${JSON.stringify(data)}`);
}
const hook = await webhook;
if (!verifyWebhook(hook.raw, hook.signature, secret)) fail("webhook signature did not verify");
const payload = JSON.parse(hook.raw);
if (payload.event !== "order.updated" || payload.data.id !== "order_789") {
  fail(`webhook payload: ${hook.raw}`);
}
socket.close();
console.log("OK socket.io-client received order:updated; webhook signature verified");
process.exit(0);
