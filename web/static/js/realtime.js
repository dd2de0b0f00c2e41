// Kring's realtime client: one WebSocket per tab (docs/protocol.md).
//
// The page says which topics it shows, with each topic's head as the page was rendered, in
// <script type="application/json" id="kring-realtime">. This client subscribes with those heads
// as `since`, so nothing that happened between render and subscribe is missed or doubled;
// reconnects with jittered exponential backoff and resumes every topic from the last seq seen.
// Pages register handlers with kring.on(kind, handler). Without this script the pages work as
// plain server-rendered pages.
(() => {
  "use strict";
  const source = document.getElementById("kring-realtime");
  if (!source || !("WebSocket" in window)) return;
  const config = JSON.parse(source.textContent);
  const cursors = new Map(Object.entries(config.topics));
  const handlers = new Map();
  const HEARTBEAT_MS = 25000;
  const PONG_TIMEOUT_MS = 10000;
  let epoch = config.epoch;
  let socket = null;
  let attempt = 0;
  let heartbeat = null;
  let pongDeadline = null;

  const kring = {
    on(kind, handler) {
      if (!handlers.has(kind)) handlers.set(kind, []);
      handlers.get(kind).push(handler);
    },
    get connected() {
      return socket !== null && socket.readyState === WebSocket.OPEN;
    },
    send(frame) {
      send(frame);
    },
    me: Number(document.getElementById("main")?.dataset.me || 0),
  };
  window.kring = kring;

  function dispatch(kind, frame) {
    for (const handler of [...(handlers.get(kind) || []), ...(handlers.get("*") || [])]) {
      try {
        handler(frame);
      } catch (error) {
        console.error("kring handler failed", error);
      }
    }
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function subscribe(topic) {
    const since = cursors.get(topic);
    const frame = { op: "subscribe", topic };
    if (typeof since === "number") {
      frame.since = since;
      if (epoch) frame.epoch = epoch;
    }
    send(frame);
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "subscribed":
        epoch = frame.epoch;
        if (frame.recovered === false) {
          // The missed events are gone: the page must reload its state over HTTP.
          cursors.set(frame.topic, frame.seq);
          dispatch("resync", frame);
          if (!(handlers.get("resync") || []).length) window.location.reload();
        } else if (frame.recovered === undefined) {
          cursors.set(frame.topic, frame.seq);
        }
        document.documentElement.dataset.live = "on";
        break;
      case "event": {
        const last = cursors.get(frame.topic) ?? 0;
        if (frame.seq <= last) return; // already seen
        if (frame.seq !== last + 1) {
          subscribe(frame.topic); // never skip: ask again from the last seen
          return;
        }
        cursors.set(frame.topic, frame.seq);
        dispatch(frame.kind, frame);
        break;
      }
      case "ephemeral":
        dispatch(frame.kind, frame);
        break;
      case "unsubscribed":
        cursors.delete(frame.topic);
        dispatch("unsubscribed", frame);
        break;
      case "pong":
        clearTimeout(pongDeadline);
        break;
      case "error":
        console.warn("kring:", frame.code, frame.message, frame.topic || "");
        break;
    }
  }

  function startHeartbeat() {
    stopHeartbeat();
    heartbeat = setInterval(() => {
      send({ op: "ping" });
      clearTimeout(pongDeadline);
      pongDeadline = setTimeout(() => socket && socket.close(), PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }

  function stopHeartbeat() {
    clearInterval(heartbeat);
    clearTimeout(pongDeadline);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}/ws`);
    socket.addEventListener("open", () => {
      attempt = 0;
      for (const topic of cursors.keys()) subscribe(topic);
      startHeartbeat();
      dispatch("connected", {});
    });
    socket.addEventListener("message", (message) => onFrame(JSON.parse(message.data)));
    socket.addEventListener("close", (event) => {
      stopHeartbeat();
      socket = null;
      document.documentElement.dataset.live = "off";
      if (event.code === 4001) {
        window.location.assign("/login"); // signed out here or elsewhere
        return;
      }
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random());
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  connect();
})();
