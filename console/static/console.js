// postbode console: reloads every [data-poll] element from its URL every
// two seconds while it says it is still running. Everything works without it.
(function () {
  function poll(el) {
    var url = el.getAttribute('data-poll');
    if (!url || el.getAttribute('data-done') === 'true') return;
    fetch(url, { credentials: 'same-origin', headers: { 'X-Partial': '1' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var box = document.createElement('div');
        box.innerHTML = html;
        var fresh = box.querySelector('[data-poll]');
        if (!fresh) return;
        el.replaceWith(fresh);
        setTimeout(function () { poll(fresh); }, 2000);
      })
      .catch(function () {});
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-poll]').forEach(function (el) {
      setTimeout(function () { poll(el); }, 2000);
    });
  });
})();
