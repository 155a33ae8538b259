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
