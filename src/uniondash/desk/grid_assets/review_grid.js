/* The desk's review grid (desk/grid.py): the sentence cell with its figure marked, and an edit that makes
   an accepted row a correction. Text goes in as text nodes, never as HTML. */
(function () {
  var components = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
  var functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

  components.ReviewSentence = function (props) {
    var row = props.data || {};
    if (!row.figure) {
      return React.createElement("span", { lang: "zh-CN" }, row.sentence || "");
    }
    return React.createElement(
      "span",
      { lang: "zh-CN" },
      row.before || "",
      React.createElement("mark", null, row.figure),
      row.after || ""
    );
  };

  functions.reviewSetValue = function (params) {
    var field = params.colDef.field;
    var value = params.newValue === null || params.newValue === undefined ? "" : String(params.newValue);
    if (value === (params.data[field] || "")) {
      return false;
    }
    params.data[field] = value;
    if (params.data.decision === "accept") {
      params.data.decision = "correct";
      setTimeout(function () {
        params.api.refreshCells({ rowNodes: [params.node], columns: ["decision"], force: true });
      }, 0);
    }
    return true;
  };
})();
