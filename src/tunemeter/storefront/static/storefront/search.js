// Search as you type: fetch the results fragment for the box's text, newest request wins.
(function () {
  const input = document.querySelector("[data-live-search]");
  if (!input) return;
  const box = document.getElementById("live-results");
  let timer = null;
  let seq = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { box.innerHTML = ""; return; }
    timer = setTimeout(async function () {
      const mine = ++seq;
      const url = input.dataset.liveSearch + "?partial=1&q=" + encodeURIComponent(q);
      const response = await fetch(url, { headers: { "Accept": "text/html" } });
      if (mine === seq && response.ok) box.innerHTML = await response.text();
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { box.innerHTML = ""; }
  });
})();
