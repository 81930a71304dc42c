// The CryptoShop document's client, unmodified: the stock npm socket.io-client connects
// to the server root with `auth: {accessToken}`, and a bad token gets `connect_error`
// "Authentication failed". Over HTTP, as the document's examples do, a seller lists a
// product and a buyer orders and pays it; the buyer's socket receives `order:updated` for
// each step, and the `order.updated` webhook (the Order object) is checked with the
// document's Node.js `verifyWebhook`.
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

async function call(method, path, token, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    ...(method === "GET" ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  const data = await response.json();
  if (!data.success) fail(`${method} ${path}: ${JSON.stringify(data)}`);
  return data.data;
}

function same(actual, expected) {
  const keys = Object.keys(expected).sort();
  return (
    JSON.stringify(Object.keys(actual).sort()) === JSON.stringify(keys) &&
    keys.every((key) => JSON.stringify(actual[key]) === JSON.stringify(expected[key]))
  );
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

// 3. a seller opens a shop and lists a product
const { accessToken: sellerToken } = await call("POST", "/auth/register");
await call("POST", "/sellers", sellerToken, { storeName: "SecureNet" });
const product = await call("POST", "/products", sellerToken, {
  name: "Premium VPN",
  priceBtc: 0.0025,
  priceEur: 89.99,
  stockQuantity: 5,
});

// 4. a buyer registers, subscribes the webhook, connects as the document shows
const { id: buyerId, accessToken } = await call("POST", "/auth/register");
await call("POST", "/webhooks", accessToken, {
  url: globalThis.hookUrl,
  events: ["order.updated"],
  secret,
});

const socket = io(base, { auth: { accessToken }, reconnection: false });
socket.on("connect_error", (error) => fail(`connect_error: ${error.message}`));
const escrowUpdates = [];
socket.on("escrow:updated", (data) => escrowUpdates.push(data));
const updates = [];
const paid = new Promise((resolve) =>
  socket.on("order:updated", (data) => {
    updates.push(data);
    if (data.status === "PAID") resolve();
  }),
);
await new Promise((resolve) => socket.on("connect", resolve));

// 5. the buyer funds the wallet (a sandbox-chain deposit, two blocks), orders, and pays as
// the document's purchase flow does, by the order's escrow; each change arrives over Socket.IO
const wallet = await call("POST", "/wallet", accessToken);
async function sandbox(path, body) {
  const response = await fetch(`${base}/pay/sandbox/btc/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) fail(`sandbox ${path}: ${response.status} ${await response.text()}`);
}
await sandbox("deposits", { address: wallet.depositAddress, amount_btc: "0.01" });
await sandbox("blocks", { count: 2 });
const order = await call("POST", "/orders", accessToken, {
  items: [{ productId: product.id, quantity: 1 }],
});
const escrow = await call("POST", "/escrow", accessToken, {
  orderId: order.id,
  releaseCode: crypto.randomBytes(8).toString("hex"),
});
if (escrow.status !== "FUNDED") fail(`escrow: ${JSON.stringify(escrow)}`);
await paid;
const { paymentHash } = await call("GET", `/orders/${order.id}`, accessToken);
if (!escrowUpdates.some((e) => e.escrowId === escrow.id && e.status === "FUNDED")) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (!escrowUpdates.some((e) => e.escrowId === escrow.id && e.status === "FUNDED")) {
    fail(`escrow:updated payloads: ${JSON.stringify(escrowUpdates)}`);
  }
}
const expectedUpdates = [
  { orderId: order.id, status: "PENDING", message: "Your order has been placed" },
  { orderId: order.id, status: "PAID", message: "Your payment has been received" },
];
if (
  updates.length !== expectedUpdates.length ||
  !updates.every((data, i) => same(data, expectedUpdates[i]))
) {
  fail(`order:updated payloads: ${JSON.stringify(updates)}`);
}

// 6. the webhook: signed as the document says, its data the Order object as now paid
const hook = await webhook;
if (!verifyWebhook(hook.raw, hook.signature, secret)) fail("webhook signature did not verify");
const payload = JSON.parse(hook.raw);
const now = await call("GET", `/orders/${order.id}`, accessToken);
const { createdAt, updatedAt, ...data } = payload.data;
const expectedData = {
  id: order.id,
  orderId: order.id,
  buyerId,
  status: "PAID",
  totalBtc: 0.0025,
  totalEur: 89.99,
  paymentHash,
  paymentConfirmed: true,
  completedAt: null,
};
if (
  payload.event !== "order.updated" ||
  Number.isNaN(Date.parse(payload.timestamp)) ||
  !same(data, expectedData) ||
  ["id", "buyerId", "status", "totalBtc", "totalEur", "paymentHash", "paymentConfirmed"].some(
    (key) => data[key] !== now[key],
  ) ||
  createdAt !== now.createdAt ||
  updatedAt !== now.updatedAt
) {
  fail(`webhook payload: ${hook.raw}\norder: ${JSON.stringify(now)}`);
}
socket.close();
console.log(
  "OK socket.io-client received order:updated and escrow:updated; webhook signature and Order verified",
);
process.exit(0);
