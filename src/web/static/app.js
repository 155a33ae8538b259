// Small progressive enhancements; every page works without them.
document.addEventListener('DOMContentLoaded', () => {
  // Put the keyboard focus on the error summary so screen readers announce it first.
  const summary = document.querySelector('.error-summary');
  if (summary instanceof HTMLElement) summary.focus();
});
document.addEventListener('htmx:afterSwap', (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;
  const focus = target.querySelector('.error-summary, input:not([type=hidden]), .notice');
  if (focus instanceof HTMLElement) {
    if (!focus.hasAttribute('tabindex') && !(focus instanceof HTMLInputElement)) focus.setAttribute('tabindex', '-1');
    focus.focus();
  }
});
// htmx leaves 4xx answers unshown by default: a form sent back with its errors (422, 409) is swapped
// in like any answer; any other refusal (an expired form, a page gone) replaces the page's content,
// so the person always reads what the server said.
document.addEventListener('htmx:beforeSwap', (event) => {
  const d = event.detail;
  const status = d.xhr.status;
  if (status < 400) return;
  d.isError = false;
  d.shouldSwap = true;
  if (!(status < 500 && /<form[\s>]/i.test(d.xhr.responseText))) {
    const main = document.getElementById('main');
    if (main) {
      d.target = main;
      d.selectOverride = '#main';
      d.swapOverride = 'outerHTML';
    }
  }
});
// A destructive button asks first (data-confirm on its form). Without JavaScript the server asks,
// on a page of its own: the form carries confirme=1 only once the person said yes.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed === '1') return;
  event.preventDefault();
  if (!window.confirm(form.dataset.confirm)) return;
  form.dataset.confirmed = '1';
  const yes = document.createElement('input');
  yes.type = 'hidden';
  yes.name = 'confirme';
  yes.value = '1';
  form.appendChild(yes);
  // (a form ignores requestSubmit while its own submit event is being dispatched: after it, then)
  const submitter = event.submitter instanceof HTMLElement ? event.submitter : undefined;
  setTimeout(() => form.requestSubmit(submitter), 0);
});
// A link to a question of the FAQ (#anchor) opens its <details>.
function openTargetDetails() {
  if (!location.hash) return;
  const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  const details = target && (target.closest('details') || target.querySelector('details'));
  if (details instanceof HTMLDetailsElement) {
    details.open = true;
    details.scrollIntoView();
  }
}
document.addEventListener('DOMContentLoaded', openTargetDetails);
window.addEventListener('hashchange', openTargetDetails);
// An upload (data-upload, e.g. "Import" of an archive) shows its progress. The request is sent by
// XMLHttpRequest (fetch has no upload progress); a redirect is followed, a refusal (the page with
// its message) takes the place of the page's main, as the form's own answer would.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-upload')) return;
  const bar = form.querySelector('progress.upload-progress');
  if (!bar || typeof XMLHttpRequest === 'undefined') return;
  event.preventDefault();
  const xhr = new XMLHttpRequest();
  xhr.open('POST', form.action);
  bar.hidden = false;
  bar.value = 0;
  xhr.upload.addEventListener('progress', (e) => {
    if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
  });
  xhr.addEventListener('load', () => {
    if (xhr.responseURL && xhr.responseURL !== form.action) {
      window.location.assign(xhr.responseURL);
      return;
    }
    const doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
    const main = doc.getElementById('main');
    const mine = document.getElementById('main');
    if (!main || !mine) {
      window.location.reload();
      return;
    }
    document.title = doc.title;
    mine.replaceWith(document.importNode(main, true));
    const summary = document.querySelector('.error-summary');
    if (summary instanceof HTMLElement) summary.focus();
  });
  xhr.addEventListener('error', () => form.submit());
  for (const button of form.querySelectorAll('button')) button.disabled = true;
  xhr.send(new FormData(form));
});
