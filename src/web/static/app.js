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
