// The Data page's upload: the chosen (or dropped) file goes to the upload route as the raw body of
// one XMLHttpRequest, so the browser streams it from disk and reports progress; it never passes
// through a Dash callback (dcc.Upload would post it base64, a 200 MB file as 270 MB of JSON).
//
// The drop zone names everything this script needs in data attributes (the route, the session's
// token, the ids of the store and the progress bar), so the ids stay in
// dashboard/ids.py. The route's JSON answer, an upload or {"error": sentence}, goes into the
// store with dash_clientside.set_props, which fires the server callbacks that read the upload.
(function () {
    const ZONE = "[data-upload-url]";

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    function showProgress(zone, percent, label) {
        setProps(zone.dataset.progress, {value: percent, label: label});
    }

    function answer(zone, reply) {
        setProps(zone.dataset.store, {data: reply});
    }

    function send(zone, file) {
        if (!file) {
            return;
        }
        const request = new XMLHttpRequest();
        request.open("POST", zone.dataset.uploadUrl);
        request.setRequestHeader("Content-Type", "application/octet-stream");
        request.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
        request.setRequestHeader("X-CSRF-Token", zone.dataset.csrf || "");
        request.upload.onprogress = function (event) {
            if (event.lengthComputable && event.total > 0) {
                const percent = Math.round((100 * event.loaded) / event.total);
                showProgress(zone, percent, percent < 100 ? percent + " %" : "Reading the file…");
            }
        };
        request.onload = function () {
            let reply;
            try {
                reply = JSON.parse(request.responseText);
            } catch (error) {
                reply = null;
            }
            if (!reply || typeof reply !== "object") {
                reply = {error: "The server's answer could not be read (status " + request.status + ")."};
            } else if (request.status >= 400 && !reply.error) {
                reply = {error: "The upload was refused (status " + request.status + ")."};
            }
            showProgress(zone, reply.error ? 0 : 100, reply.error ? "" : "Uploaded");
            answer(zone, reply);
        };
        request.onerror = function () {
            showProgress(zone, 0, "");
            answer(zone, {error: "The upload was interrupted; check the connection and try again."});
        };
        showProgress(zone, 0, "0 %");
        request.send(file);
    }

    // Dash has no file input that leaves the file to the page, so the input is made here, in
    // the drop zone's slot, whenever the page (re)appears.
    function ensureInput() {
        const zone = document.querySelector(ZONE);
        if (!zone || zone.querySelector("input[type=file]")) {
            return;
        }
        const slot = zone.querySelector("label span") || zone;
        const input = document.createElement("input");
        input.type = "file";
        input.id = zone.dataset.fileInput;
        input.accept = zone.dataset.accept || "";
        input.className = "visually-hidden";
        input.addEventListener("change", function () {
            const file = input.files && input.files[0];
            send(zone, file);
            input.value = "";  // choosing the same file again is a new upload
        });
        slot.appendChild(input);
    }

    function zoneOf(event) {
        return event.target && event.target.closest ? event.target.closest(ZONE) : null;
    }

    document.addEventListener("dragover", function (event) {
        const zone = zoneOf(event);
        if (zone) {
            event.preventDefault();
            zone.classList.add("data-drop-zone-over");
        }
    });
    document.addEventListener("dragleave", function (event) {
        const zone = zoneOf(event);
        if (zone) {
            zone.classList.remove("data-drop-zone-over");
        }
    });
    document.addEventListener("drop", function (event) {
        const zone = zoneOf(event);
        if (!zone) {
            return;
        }
        event.preventDefault();
        zone.classList.remove("data-drop-zone-over");
        const files = event.dataTransfer && event.dataTransfer.files;
        send(zone, files && files[0]);
    });

    new MutationObserver(ensureInput).observe(document.documentElement, {
        childList: true,
        subtree: true,
    });
})();
