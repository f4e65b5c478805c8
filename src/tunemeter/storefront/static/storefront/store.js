// Progressive enhancement for the store: live format pickers, the quote countdown and
// forms that submit once. Every page works without this file.
(function () {
  "use strict";

  // Format pickers: show the chosen format's size and price without reloading, and fill
  // every option with its size and price the first time the picker is used.
  function fill(form, row) {
    const tid = form.dataset.testid.replace(/^picker-/, "");
    const size = form.querySelector("[data-testid='size-" + tid + "']");
    const price = form.querySelector("[data-testid='price-" + tid + "']");
    const note = form.querySelector("[data-testid='note-" + tid + "']");
    const add = form.querySelector("[data-testid='add-" + tid + "']");
    const rate = form.querySelector("[data-testid='rate-" + tid + "']");
    const discount = form.querySelector("[data-testid='discount-" + tid + "']");
    if (discount) discount.remove();
    form.querySelector("output").classList.toggle("pending", Boolean(row.pending));
    if (!row.priced) {
      size.textContent = ""; price.textContent = ""; note.textContent = row.note;
      if (rate) rate.textContent = "";
      return;
    }
    size.textContent = row.size_display;
    price.textContent = row.price_display;
    if (rate) rate.textContent = row.rate_display;
    note.textContent = row.note;
    if (add) add.disabled = !row.available;
  }

  // Never leave another format's figures on screen while this one's are on their way.
  function calculating(form) {
    const output = form.querySelector("output");
    fill(form, { priced: false, pending: true, note: output.dataset.calculating });
  }

  async function prices(form, formats) {
    const params = new URLSearchParams();
    formats.forEach(function (f) { params.append("format", f); });
    const response = await fetch(form.dataset.priceUrl + "?" + params.toString(), {
      headers: { "Accept": "application/json" }, credentials: "same-origin",
    });
    if (!response.ok) throw new Error("prices " + response.status);
    return (await response.json()).formats;
  }

  async function annotate(form, select) {
    if (form.dataset.annotated) return;
    form.dataset.annotated = "1";
    // One format per request: exact sizes arrive at once, estimates as they are made.
    for (const option of Array.from(select.options)) {
      try {
        const row = (await prices(form, [option.value]))[0];
        if (row.priced) option.textContent = row.label + " — " + row.size_display + " — " + row.price_display;
      } catch (e) { return; }
    }
  }

  document.querySelectorAll("form.picker[data-price-url]").forEach(function (form) {
    const select = form.querySelector("select[name=format]");
    const output = form.querySelector("output");
    let seq = 0;
    async function show(mine) {
      output.setAttribute("aria-busy", "true");
      try {
        const rows = await prices(form, [select.value]);
        if (mine !== seq) return;
        fill(form, rows[0]);
        // Being estimated in the background: ask again shortly.
        if (rows[0].pending) { setTimeout(function () { if (mine === seq) show(mine); }, 1500); return; }
      } catch (e) {
        // No figures rather than wrong ones; "Show size and price" still works.
        if (mine === seq) fill(form, { priced: false, note: "" });
      }
      if (mine === seq) output.removeAttribute("aria-busy");
    }
    select.addEventListener("change", function () {
      const mine = ++seq;
      calculating(form);
      show(mine);
    });
    // A page drawn while this format was being estimated: keep asking until it is known.
    if (output.classList.contains("pending")) show(++seq);
    select.addEventListener("focus", function () { annotate(form, select); });
  });

  // Moments: the server writes UTC and says so; show them in the visitor's own zone, named.
  const lang = document.documentElement.lang || undefined;
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    const moment = new Date(el.getAttribute("datetime"));
    if (isNaN(moment)) return;
    const options = el.dataset.local === "time"
      ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
    try {
      const text = new Intl.DateTimeFormat(lang, options).format(moment);
      const zone = new Intl.DateTimeFormat(lang, { timeZoneName: "short" })
        .formatToParts(moment).find(function (p) { return p.type === "timeZoneName"; });
      el.textContent = text + (zone ? " " + zone.value : "");
      el.title = el.getAttribute("datetime");
    } catch (e) { /* keep the UTC text */ }
  });

  // The quote countdown: "14:59 left", then the expiry message.
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    const end = Date.now() + 1000 * parseInt(el.dataset.countdown, 10);
    function tick() {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (left === 0) {
        el.textContent = el.dataset.expired;
        el.setAttribute("role", "alert");
        return;
      }
      const m = Math.floor(left / 60), s = String(left % 60).padStart(2, "0");
      el.textContent = "(" + el.dataset.template.replace("{time}", m + ":" + s) + ")";
      setTimeout(tick, 1000);
    }
    tick();
  });

  // Forms marked data-once submit once: a double click sends one request.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
