// On every page: switching users takes effect as soon as another one is picked, and an add-on
// image that cannot be loaded leaves its letter badge showing instead of a broken image.
const select = document.getElementById('switch-user');
if (select && select.form) select.addEventListener('change', () => select.form.requestSubmit());

const BADGES = '.avatar-addon img, .addon-badge img, .card-icon, .attribute-icon';
const drop = (img) => img.remove();
document.addEventListener('error', (event) => {
  if (event.target instanceof HTMLImageElement && event.target.matches(BADGES)) drop(event.target);
}, true);
for (const img of document.querySelectorAll(BADGES)) {
  if (img.complete && img.naturalWidth === 0) drop(img);
}
