// Takes the user from an error in the summary to its field (or its section): into view and focused.
export function focusField(id) {
  const target = document.getElementById(id);
  if (!target) return;
  target.scrollIntoView({ block: 'center' });
  target.focus({ preventScroll: true });
}
