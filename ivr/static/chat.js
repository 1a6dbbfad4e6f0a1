// The web chat: send the resident's words, show the line's replies, poll for operators'.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("send");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  const language = document.getElementById("language");
  const token = document.querySelector("meta[name=csrf-token]").content;
  const labels = { resident: "您 You", line: "热线 Line", operator: "工作人员 Staff" };
  let last = 0;

  function show(who, text) {
    const item = document.createElement("div");
    item.className = "msg " + who;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = labels[who];
    item.appendChild(name);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(text) {
    show("resident", text);
    status.textContent = "正在回复… Replying…";
    try {
      const response = await fetch("/chat/api/messages", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ text: text }),
      });
      const data = await response.json();
      if (!response.ok) { status.textContent = data.error || "出错了，请再试一次。 Please try again."; return; }
      if (data.replies.length) { show("line", data.replies.join("\n")); }
      last = Math.max(last, data.last || 0);
      status.textContent = "";
    } catch (error) {
      status.textContent = "网络不通，请再试一次。 No connection, please try again.";
    }
  }

  async function poll() {
    try {
      const response = await fetch("/chat/api/messages?after=" + last, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        data.messages.forEach((m) => show("operator", m.text));
        last = Math.max(last, data.last || 0);
      }
    } catch (error) { /* offline for a moment: try again at the next tick */ }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) { input.value = ""; send(text); }
    input.focus();
  });
  language.addEventListener("click", () => {
    const english = language.getAttribute("aria-pressed") !== "true";
    language.setAttribute("aria-pressed", String(english));
    language.textContent = english ? "中文" : "English";
    document.documentElement.lang = english ? "en" : "zh-CN";
    send(english ? "English" : "普通话");
  });
  setInterval(poll, 3000);
  input.focus();
})();
