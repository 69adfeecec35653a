// The participant's screen on the phone (ui/phone_form.py): one Streamlit element, drawn here
// from the data the page sends — the headings, the language switch, the role, the room PIN, the
// statements with their options, the page's buttons, or the thanks screen.  Choosing sends
// nothing; a button sends everything chosen at once, with ONE setTriggerValue("send",
// {action, page, role, pin, answers, lang}).  Every text comes from the data and goes in with
// textContent, never as HTML.  Streamlit calls this again only when the data changes (the page
// counts every press it handles, so each press gets a fresh screen).  Choices not sent yet are
// kept in the tab's sessionStorage until a press sends them (a reload shows them again).
export default function (component) {
  const { setTriggerValue, parentElement } = component;
  const raw = component.data;
  const data = typeof raw === "string" ? JSON.parse(raw)
    : raw instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(raw)) : raw;
  const root = parentElement.querySelector(".dx-phone");
  if (!root || !data) return;
  document.documentElement.lang = data.lang.current;  // the page's language, for screen readers (ui/frame.py elsewhere)

  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "cls") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child) node.appendChild(child);
    return node;
  };
  const problem = data.problem || null;
  const invalid = (field) => Boolean(problem && problem.field === field);
  const problemAt = (field) => invalid(field)
    ? el("p", { cls: "problem", id: `problem-${field}`, role: "alert", text: problem.text }) : null;
  const choices = (name, legendText, options, value, props) => {
    const list = el("div", { cls: "opts" });
    for (const [optionValue, label] of options) {
      const input = el("input", { type: "radio", name, value: String(optionValue) });
      input.checked = value !== null && value !== undefined && String(value) === String(optionValue);
      list.appendChild(el("label", { cls: "opt" }, input, el("span", { text: label })));
    }
    return el("fieldset", { cls: "q", ...props }, el("legend", { text: legendText }), list);
  };

  const screen = el("div", { cls: "screen" });
  if (data.lang && data.lang.options.length > 1) {
    const langs = el("div", { cls: "lang", role: "group", "aria-label": data.lang.label });
    for (const [code, name] of data.lang.options) {
      if (code !== data.lang.current) {
        langs.appendChild(el("button", { type: "button", cls: "link", lang: code, "data-action": "lang",
                                         "data-lang": code, text: name }));
      }
    }
    screen.appendChild(langs);
  }
  screen.appendChild(el("h1", { text: data.title }));
  screen.appendChild(el("h2", { text: data.subtitle }));
  if (data.notice) screen.appendChild(el("p", { cls: "notice", role: "status", text: data.notice }));

  if (data.mode === "thanks") {
    screen.appendChild(el("p", { cls: "thanks", role: "status", text: data.thanks.message }));
    screen.appendChild(el("p", { cls: "caption", text: data.thanks.count }));
    screen.appendChild(el("h3", { text: data.thanks.look }));
  } else {
    if (data.progress) {
      const bar = el("progress", { id: "progress", max: data.progress.max, value: data.progress.value });
      screen.appendChild(el("div", { cls: "progress" }, el("label", { for: "progress", text: data.progress.text }), bar,
                            el("p", { cls: "caption", text: data.progress.hint })));
    }
    if (data.role) {
      const role = choices("role", data.role.legend, data.role.options, data.role.value, {
        "data-field": "role", "aria-describedby": invalid("role") ? "problem-role role-hint" : "role-hint",
        "aria-invalid": invalid("role") ? "true" : null });
      const hint = el("p", { cls: "hint", id: "role-hint", text: data.role.hint });
      role.insertBefore(hint, role.children[1]);
      const roleProblem = problemAt("role");
      if (roleProblem) role.insertBefore(roleProblem, hint);
      screen.appendChild(role);
    }
    if (data.pin) {
      const pin = el("input", { id: "pin", type: "text", inputmode: "numeric", autocomplete: "off",
                                maxlength: data.pin.max, "data-field": "pin",
                                "aria-invalid": invalid("pin") ? "true" : null,
                                "aria-describedby": invalid("pin") ? "problem-pin" : null });
      pin.value = data.pin.value || "";
      screen.appendChild(el("div", { cls: "pin" }, el("label", { for: "pin", text: data.pin.label }),
                            problemAt("pin"), pin));
    }
    for (const line of data.intro || []) screen.appendChild(el("p", { cls: "intro", text: line }));
    for (const group of data.groups || []) {
      if (group.heading) screen.appendChild(el("h3", { text: group.heading }));
      for (const [id, legendText, value] of group.statements) {
        screen.appendChild(choices(`q-${id}`, legendText, data.options, value, { "data-statement": id }));
      }
    }
  }
  const sendProblem = problemAt("send");
  if (sendProblem) screen.appendChild(sendProblem);
  const buttons = el("div", { cls: "buttons" });
  for (const button of data.buttons || []) {
    buttons.appendChild(el("button", {
      type: "button", cls: button.primary ? "primary" : "secondary", "data-action": button.action,
      text: button.label, "aria-describedby": button.primary && invalid("send") ? "problem-send" : null }));
  }
  screen.appendChild(buttons);

  // a press: everything chosen, at once
  const checked = (name) => {
    const input = screen.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`);
    return input ? input.value : null;
  };
  const collect = (action, lang) => {
    const answers = {};
    for (const set of screen.querySelectorAll("fieldset[data-statement]")) {
      const value = checked(`q-${set.dataset.statement}`);
      if (value !== null) answers[set.dataset.statement] = Number(value);
    }
    const pin = screen.querySelector("#pin");
    return { action, lang: lang || null, page: data.page, role: checked("role"),
             pin: pin ? pin.value : null, answers };
  };
  // Choices not sent yet are kept in this tab (sessionStorage, per workshop and page), so that a
  // reload, or a screen drawn again after a lost connection, shows them again without a request.
  // A press sends them; the screen that answers it starts from what the server has.
  const store = (() => { try { return window.sessionStorage; } catch (e) { return null; } })();
  const keep = data.keep ? `dx-phone:${data.keep}:` : null;
  const keyOf = keep && `${keep}${data.page}`;
  if (store && keep && root.dxSentKey) {  // a press was handled: what it sent is the server's now
    store.removeItem(root.dxSentKey);
    root.dxSentKey = null;
  }
  if (store && keep && data.mode === "thanks") {  // sent: nothing of this room stays in the tab
    for (const k of Object.keys(store)) if (k.startsWith(keep)) store.removeItem(k);
  }
  const restore = () => {
    let kept = null;
    try { kept = store && keyOf && data.mode === "form" ? JSON.parse(store.getItem(keyOf)) : null; } catch (e) { kept = null; }
    if (!kept || typeof kept !== "object") return;
    const check = (name, value) => {
      if (value === null || value === undefined) return;
      const input = screen.querySelector(`input[type=radio][name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`);
      if (input) input.checked = true;
    };
    check("role", kept.role);
    for (const [id, value] of Object.entries(kept.answers || {})) check(`q-${id}`, value);
    const pin = screen.querySelector("#pin");
    if (pin && typeof kept.pin === "string" && kept.pin) pin.value = kept.pin;
  };
  const remember = () => {
    if (!store || !keyOf || data.mode !== "form") return;
    try { store.setItem(keyOf, JSON.stringify(collect("keep"))); } catch (e) { /* a full or private store: nothing kept */ }
  };
  restore();
  screen.addEventListener("change", remember);
  screen.addEventListener("input", remember);

  clearTimeout(root.dxBusyTimer);
  const setBusy = (busy) => {
    root.setAttribute("aria-busy", busy ? "true" : "false");
    for (const b of screen.querySelectorAll("button")) b.disabled = busy;
  };
  screen.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const payload = collect(button.dataset.action, button.dataset.lang);
    root.dxSentKey = keyOf;  // forgotten once the answer to this press is drawn
    setBusy(true);  // one press, one request; the next screen (or a lost connection's timeout) frees the buttons
    root.dxBusyTimer = setTimeout(() => setBusy(false), 20000);
    setTriggerValue("send", payload);
  });

  const view = `${data.mode}:${data.page}`;
  const moved = root.dataset.view !== undefined && root.dataset.view !== view;
  root.dataset.view = view;
  root.replaceChildren(screen);
  root.setAttribute("aria-busy", "false");
  if (problem) {  // what to fix gets the focus (its message is next to it)
    const field = problem.field === "send" ? buttons.querySelector("button.primary")
      : screen.querySelector(`[data-field="${problem.field}"]`);
    const target = field && (field.matches("input, button") ? field : field.querySelector("input"));
    if (target) target.focus({ preventScroll: true });
    const message = screen.querySelector(".problem");
    if (message) message.scrollIntoView({ block: "center" });
  } else if (moved) {  // another page or the thanks screen: from its top
    screen.scrollIntoView({ block: "start" });
  }
  return () => clearTimeout(root.dxBusyTimer);
}
