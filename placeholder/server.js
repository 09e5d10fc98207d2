// Placeholder API: what runs until the team ships its own image or app bundle.
//
// It answers the load balancer's health check and echoes WebSocket messages on /ws,
// so the first `cdk deploy` of the compute tier is healthy end to end (CloudFront ->
// load balancer -> this process). No dependencies: it runs on a stock Node.js image
// (Fargate) or the Node.js that the EC2 user data installs, and is passed in as-is.
//
// Settings (environment): PORT (default 3001), HEALTH_CHECK_PATH (default /api/health),
// WS_PATH (default /ws), LB_IDLE_TIMEOUT_SECONDS (default 60).
"use strict";
// No template literals with placeholders: this text is embedded in CloudFormation, which reads
// a dollar sign followed by a brace as a parameter reference.
const http = require("http");
const crypto = require("crypto");

const PORT = Number(process.env.PORT || 3001);
const HEALTH = process.env.HEALTH_CHECK_PATH || "/api/health";
const WS_PATH = process.env.WS_PATH || "/ws";
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://placeholder").pathname;
  if (path === HEALTH) return json(res, 200, { status: "ok", placeholder: true });
  if (path.startsWith("/api/")) return json(res, 503, { error: "placeholder: the application is not deployed yet" });
  json(res, 404, { error: "not found" });
});

// One WebSocket frame (RFC 6455) from the server: FIN set, never masked.
function frame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  return Buffer.concat([head, payload]);
}

server.on("upgrade", (req, socket) => {
  const key = req.headers["sec-websocket-key"];
  const path = new URL(req.url, "http://placeholder").pathname;
  if (path !== WS_PATH || !key || String(req.headers.upgrade).toLowerCase() !== "websocket") {
    socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    return;
  }
  const accept = crypto.createHash("sha1").update(key + WS_GUID).digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n");
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    // Client frames are always masked (RFC 6455 5.3).
    while (buffered.length >= 2) {
      const opcode = buffered[0] & 0x0f;
      let len = buffered[1] & 0x7f;
      let offset = 2;
      if (len === 126) { if (buffered.length < 4) return; len = buffered.readUInt16BE(2); offset = 4; }
      else if (len === 127) { if (buffered.length < 10) return; len = Number(buffered.readBigUInt64BE(2)); offset = 10; }
      if (buffered.length < offset + 4 + len) return;
      const mask = buffered.subarray(offset, offset + 4);
      const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buffered = buffered.subarray(offset + 4 + len);
      if (opcode === 0x8) { socket.end(frame(0x8, Buffer.alloc(0))); return; }  // close
      if (opcode === 0x9) { socket.write(frame(0xa, payload)); continue; }      // ping -> pong
      if (opcode === 0x1 || opcode === 0x2) socket.write(frame(opcode, payload)); // echo text/binary
    }
  });
  socket.on("error", () => socket.destroy());
});

// Keep idle connections open longer than the load balancer does, so it never reuses one this
// process has already closed (which would surface as 502s).
server.keepAliveTimeout = (Number(process.env.LB_IDLE_TIMEOUT_SECONDS || 60) + 5) * 1000;
server.headersTimeout = server.keepAliveTimeout + 1000;
server.listen(PORT, () => console.log("placeholder listening on " + PORT + ", health " + HEALTH + ", websocket " + WS_PATH));
// Stop on SIGTERM (ECS, PM2): stop accepting, give open connections a moment, then exit.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
