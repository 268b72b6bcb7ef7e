// On a narrow screen the facet panel starts folded, so the tables come first; without
// JavaScript it stays open.
(function () {
  var facets = document.getElementById("facets");
  if (facets && window.matchMedia("(max-width: 760px)").matches) facets.removeAttribute("open");
})();
