// The Explorer's table (AG Grid, infinite row model) takes its first block of rows from the
// reducer's response, which carries them with the KPIs and charts: one round trip per filter change
// instead of three (reducer, the grid's own request for rows, the rows callback). The rows arrive
// in the grid's `context` option, so the grid sees them in the same render as the charts, not a
// callback later; the grid's `gridOptionsChanged` listener calls `pricescopeShowFirstRows`.
//
// dash-ag-grid's datasource turns each block request into a `getRowsRequest` for the server. We
// wrap it once: a request for the first block, with the order the rows were drawn in, is answered
// from the rows just pushed; every other request (a later block, another order, rows pushed too
// long ago to be current) goes to the server as before.
(function () {
    const FRESH_MS = 2000;

    // JSON with sorted keys: the grid's models and ours may list the same keys in another order.
    function canonical(value) {
        if (Array.isArray(value)) {
            return "[" + value.map(canonical).join(",") + "]";
        }
        if (value && typeof value === "object") {
            return "{" + Object.keys(value).sort().map(
                (k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
        }
        return JSON.stringify(value === undefined ? null : value);
    }

    function sameOrder(params, rows) {
        const sorts = (model) => (model || []).map((s) => ({colId: s.colId, sort: s.sort}));
        return canonical(sorts(params.sortModel)) === canonical(sorts(rows.sortModel))
            && canonical(params.filterModel || {}) === canonical(rows.filterModel || {});
    }

    function wrap(api) {
        const current = api.getGridOption("datasource");
        if (!current || current.pricescopeFirstRows) {
            return current;
        }
        const wrapper = {
            pricescopeFirstRows: true,
            pending: null,
            getRows(params) {
                const rows = wrapper.pending;
                const fresh = rows && performance.now() - rows.at < FRESH_MS;
                if (fresh && params.startRow === 0 && sameOrder(params, rows)) {
                    wrapper.pending = null;
                    params.successCallback(rows.rowData.slice(0, params.endRow), rows.rowCount);
                    return;
                }
                current.getRows(params);
            },
            destroy() {
                if (current.destroy) {
                    current.destroy();
                }
            },
        };
        return wrapper;
    }

    function showFirstRows(params) {
        const changed = params.options || {};
        const rows = changed.context && changed.context.firstRows;
        const api = params.api;
        if (!rows || !api || api.isDestroyed()) {
            return;
        }
        const datasource = wrap(api);
        if (!datasource) {
            return;
        }
        datasource.pending = Object.assign({at: performance.now()}, rows);
        if (api.getGridOption("datasource") !== datasource) {
            api.setGridOption("datasource", datasource); // starts over from the first block
        } else {
            api.purgeInfiniteCache();
        }
    }

    window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions, {
        pricescopeShowFirstRows: showFirstRows,
    });
})();
