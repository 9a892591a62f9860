// A form sent back with errors: move the focus to its summary (templates/enrolment/
// _error_summary.html), so that a screen reader reads it out first. A file, not an inline
// script: the Content-Security-Policy allows this site's files only.
(function () {
  "use strict";
  var summary = document.getElementById("erreurs");
  if (summary) {
    summary.focus();
  }
})();
