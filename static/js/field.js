/* Field work that survives the field: the visit form's local draft, the upload queue in IndexedDB,
 * the "N 条待上传" banner and the service worker. Plain JS, no build step, no external assets.
 *
 * A visit is queued with its client_id and uploaded to POST /api/visits/, whose idempotency on
 * client_id makes every retry safe: the server answers the first visit for a key it has seen. */
(function () {
  "use strict";
  var DB_NAME = "zoufang-field";
  var API = "/api/visits/";
  var HOUR = 3600 * 1000;
  var STATE_LABELS = {
    pending: "等待上传",
    uploading: "正在上传",
    waiting: "等待网络",
    auth: "登录已过期，请重新登录",
    conflict: "与服务器记录冲突",
    confirm: "需确认是否再次登记",
    invalid: "内容有误，请修改"
  };

  // --- IndexedDB ------------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore("queue", { keyPath: "client_id" });
          d.createObjectStore("drafts", { keyPath: "key" });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result = fn(t.objectStore(store));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function put(store, value) { return tx(store, "readwrite", function (s) { s.put(value); }); }
  function get(store, key) { return tx(store, "readonly", function (s) { return s.get(key); }); }
  function del(store, key) { return tx(store, "readwrite", function (s) { s.delete(key); }); }
  function all(store) { return tx(store, "readonly", function (s) { return s.getAll(); }); }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function uuid() { return window.zoufang.uuid4(); }
  function esc(text) {
    var d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }

  // --- the queue --------------------------------------------------------------------------------
  function queued() {
    return all("queue").then(function (items) {
      return items.sort(function (a, b) { return a.created_at - b.created_at; });
    });
  }

  function formData(item) {
    var fd = new FormData();
    Object.keys(item.fields).forEach(function (name) {
      var value = item.fields[name];
      (Array.isArray(value) ? value : [value]).forEach(function (v) {
        if (v !== null && v !== undefined && v !== "") fd.append(name, v);
      });
    });
    (item.photos || []).forEach(function (p, i) { fd.append("photos", p.blob, p.name || "photo" + i + ".jpg"); });
    return fd;
  }

  function backoff(tries) { return Math.min(60000, 1000 * Math.pow(2, tries)); }

  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = queued().then(function (items) {
      var now = Date.now();
      var chain = Promise.resolve(false);
      items.forEach(function (item) {
        chain = chain.then(function (stop) {
          if (stop) return true;
          if (["conflict", "confirm", "invalid"].indexOf(item.state) >= 0) return false;
          if (item.next_at && item.next_at > now && item.state !== "auth") return false;
          return upload(item);
        });
      });
      return chain;
    }).catch(function () {}).then(function () {
      flushing = null;
      return renderBanner();
    });
    return flushing;
  }

  /* Upload one item; resolves true when the rest of the queue must wait (no network, no login). */
  function upload(item) {
    item.state = "uploading";
    return put("queue", item).then(renderBanner).then(function () {
      return fetch(API, {
        method: "POST",
        body: formData(item),
        credentials: "same-origin",
        headers: { "X-CSRFToken": cookie("csrftoken"), Accept: "application/json" }
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return answered(item, response.status, body);
      });
    }, function () {
      item.state = "waiting";
      item.tries = (item.tries || 0) + 1;
      item.next_at = Date.now() + backoff(item.tries);
      return put("queue", item).then(function () { return true; });
    });
  }

  function answered(item, status, body) {
    if (status === 200 || status === 201) {
      return del("queue", item.client_id).then(function () { return confirmed(item, body); }).then(function () { return false; });
    }
    var detail = (body && body.detail) || "";
    if (status === 401 || (status === 403 && /csrf/i.test(detail))) {
      item.state = "auth";
      item.message = "登录已过期，请重新登录";
      return put("queue", item).then(function () { return true; });
    }
    if (status === 403 || status === 404 || (status === 409 && body.code !== "repeat_visit")) {
      item.state = "conflict";
      item.message = detail || "该户已改派或记录已在服务器上变更";
    } else if (status === 409) {
      item.state = "confirm";
      item.message = detail;
    } else if (status === 400) {
      item.state = "invalid";
      item.message = detail;
      item.errors = (body && body.errors) || {};
    } else {
      item.state = "waiting";
      item.tries = (item.tries || 0) + 1;
      item.next_at = Date.now() + backoff(item.tries);
      return put("queue", item).then(function () { return true; });
    }
    return put("queue", item).then(function () { return false; });
  }

  /* The server has the visit: the form's draft is done (kept an hour so Back + resubmit sends the
   * same client_id), and a page showing that form moves on to the household. */
  function confirmed(item) {
    return get("drafts", item.draft_key).then(function (draft) {
      if (draft && draft.client_id === item.client_id) {
        draft.state = "done";
        draft.photos = [];
        draft.saved_at = Date.now();
        return put("drafts", draft);
      }
    }).then(function () {
      var form = document.querySelector("form[data-visit-form]");
      if (form && form.__clientId === item.client_id) {
        window.location.assign(item.done_url + "?saved=" + encodeURIComponent(item.client_id));
      }
    });
  }

  function resolve(clientId, choice) {
    return get("queue", clientId).then(function (item) {
      if (!item) return;
      if (choice === "theirs") return del("queue", clientId);
      item.state = "pending";
      item.next_at = 0;
      if (choice === "confirm") item.fields.confirm_repeat = "true";
      return put("queue", item);
    }).then(flush);
  }

  function renderBanner() {
    var banner = document.getElementById("upload-banner");
    if (!banner) return Promise.resolve();
    return queued().then(function (items) {
      if (!items.length) {
        banner.hidden = true;
        banner.innerHTML = "";
        return;
      }
      var needsLogin = items.some(function (i) { return i.state === "auth"; });
      var html = "<strong id='upload-count'>" + items.length + " 条待上传</strong>";
      if (needsLogin) {
        html += " <a href='/accounts/login/?next=" + encodeURIComponent(location.pathname) + "'>登录已过期，请重新登录</a>";
      }
      html += "<ul class='plain'>";
      items.forEach(function (i) {
        html += "<li data-client-id='" + esc(i.client_id) + "' data-state='" + esc(i.state) + "'>" + esc(i.household_name) +
          " · <span class='tag'>" + esc(STATE_LABELS[i.state] || i.state) + "</span>";
        if (i.message && i.state !== "auth") html += " <small>" + esc(i.message) + "</small>";
        if (i.state === "conflict") {
          html += " <button type='button' data-resolve='mine'>保留我的</button> <button type='button' data-resolve='theirs'>保留服务器的</button>";
        } else if (i.state === "confirm") {
          html += " <button type='button' data-resolve='confirm'>确认再次登记</button> <button type='button' data-resolve='theirs'>放弃本条</button>";
        } else if (i.state === "invalid") {
          html += " <a href='" + esc(i.draft_key) + "'>去修改</a> <button type='button' data-resolve='theirs'>放弃本条</button>";
        }
        html += "</li>";
      });
      banner.innerHTML = html + "</ul>";
      banner.hidden = false;
    });
  }

  // --- the visit form ---------------------------------------------------------------------------
  function fieldValues(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox") { out[el.name] = el.checked; return; }
      if (el.multiple) { out[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; }); return; }
      out[el.name] = el.value;
    });
    return out;
  }
  function fillValues(form, values) {
    Object.keys(values).forEach(function (name) {
      var el = form.elements[name];
      if (!el || el.type === "file" || name === "csrfmiddlewaretoken") return;
      var v = values[name];
      if (el.type === "checkbox") el.checked = !!v;
      else if (el.multiple) Array.prototype.forEach.call(el.options, function (o) { o.selected = v.indexOf(o.value) >= 0; });
      else if (el.zoufangSetCategory) el.zoufangSetCategory(v);  // a two-level category picker
      else el.value = v;
    });
  }

  /* The API's shape of the form: answers.<id>, grievances[i]…, co_visitors, location. */
  function apiFields(form, values) {
    var f = {
      household: form.dataset.household,
      campaign: form.dataset.campaign,
      client_id: values.client_id,
      visited_at: values.visited_at,
      duration_minutes: values.duration_minutes,
      mode: values.mode,
      mode_reason: values.mode_reason || "",
      notes: values.notes || "",
      co_visitors: values.co_visitors || [],
      latitude: values.latitude || "",
      longitude: values.longitude || "",
      accuracy_m: values.accuracy_m || "",
      confirm_repeat: values.confirm_repeat ? "true" : "false"
    };
    Object.keys(values).forEach(function (name) {
      var m = name.match(/^answer_(\d+)$/);
      if (m && String(values[name]).trim()) f["answers." + m[1]] = values[name];
    });
    var n = 0;
    [1, 2].forEach(function (i) {
      var content = (values["g" + i + "_content"] || "").trim();
      if (!content) return;
      f["grievances[" + n + "]content"] = content;
      f["grievances[" + n + "]category"] = values["g" + i + "_category"];
      f["grievances[" + n + "]kind"] = values["g" + i + "_kind"];
      n += 1;
    });
    return f;
  }

  var FIELD_IDS = {
    visited_at: "id_visited_at", duration_minutes: "id_duration_minutes", mode: "id_mode",
    mode_reason: "id_mode_reason", notes: "id_notes", co_visitors: "id_co_visitors", photos: "id_photos",
    g1_category: "id_g1_category", g2_category: "id_g2_category", confirm_repeat: "id_confirm_repeat"
  };
  var FIELD_LABELS = {
    visited_at: "走访开始时间", duration_minutes: "走访时长", mode: "走访方式", mode_reason: "非入户原因",
    notes: "民情日记", co_visitors: "同行人员", photos: "照片", answers: "入户必问", grievances: "群众诉求",
    g1_category: "问题类别", g2_category: "问题类别", confirm_repeat: "确认再次登记", latitude: "定位"
  };
  function targetId(form, name) {
    if (name === "answers") {
      var first = form.querySelector("[name^=answer_]");
      return first ? first.id : "id_notes";
    }
    if (name === "grievances") return "id_g1_content";
    return FIELD_IDS[name] || "";
  }

  /* A summary at the top with a link to each field, the field's own message beside it, and the
   * page scrolled to the summary; attached photos stay attached (nothing is re-rendered). */
  function showErrors(form, errors, general) {
    var box = document.getElementById("error-summary");
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    var items = [];
    (general || []).forEach(function (msg) { items.push("<li>" + esc(msg) + "</li>"); });
    Object.keys(errors).forEach(function (name) {
      var msgs = [].concat(errors[name]).map(function (m) { return typeof m === "string" ? m : JSON.stringify(m); });
      var id = targetId(form, name);
      var label = FIELD_LABELS[name] || name;
      items.push("<li>" + (id ? "<a href='#" + id + "'>" : "") + esc(label + "：" + msgs.join(" ")) + (id ? "</a>" : "") + "</li>");
      var slot = form.querySelector("[data-error-for='" + (name === "answers" ? "answers" : name) + "']");
      if (slot) slot.textContent = msgs.join(" ");
    });
    if (errors.confirm_repeat) document.getElementById("repeat-confirm").hidden = false;
    box.querySelector("ul").innerHTML = items.join("");
    box.hidden = !items.length;
    if (items.length) {
      box.scrollIntoView({ block: "start" });
      box.focus({ preventScroll: true });
    }
  }

  function localErrors(form, values, photos) {
    var e = {};
    if (!values.visited_at) e.visited_at = ["请填写走访开始时间"];
    var d = parseInt(values.duration_minutes, 10);
    if (!(d >= 1 && d <= 600)) e.duration_minutes = ["走访时长应在1到600分钟之间"];
    if (values.mode && values.mode !== "in_person" && !(values.mode_reason || "").trim()) {
      e.mode_reason = ["电话、微信、短信走访仅限长期外出等情况，请填写原因"];
    }
    [1, 2].forEach(function (i) {
      if ((values["g" + i + "_content"] || "").trim() && !values["g" + i + "_category"]) e["g" + i + "_category"] = ["请选择问题类别"];
    });
    var kinds = (form.dataset.content || "").split(",").filter(Boolean);
    if (kinds.length) {
      var has = {
        answers: Object.keys(values).some(function (k) { return /^answer_\d+$/.test(k) && String(values[k]).trim(); }),
        notes: !!(values.notes || "").trim(),
        photos: photos.length > 0,
        mode_reason: !!(values.mode_reason || "").trim()
      };
      if (!kinds.some(function (k) { return has[k]; })) {
        var names = { answers: "入户必问", notes: "民情日记", photos: "照片", mode_reason: "未入户原因" };
        var msg = "走访记录不能为空：请至少填写" + kinds.map(function (k) { return names[k]; }).join("、") + "中的一项";
        e[kinds[0]] = [msg];
      }
    }
    return e;
  }

  /* Photos are shrunk on the phone (longest side, then JPEG quality) to fit the server's limit. */
  function compress(file, maxSide, maxBytes) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(url);
        var scale = Math.min(1, maxSide / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        var quality = 0.85;
        (function attempt() {
          canvas.toBlob(function (blob) {
            if (!blob) { reject(new Error("toBlob")); return; }
            if (blob.size > maxBytes && quality > 0.3) { quality -= 0.15; attempt(); return; }
            resolve(blob);
          }, "image/jpeg", quality);
        })();
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("image")); };
      img.src = url;
    });
  }

  function locate(form, timeout) {
    var state = document.getElementById("location-state");
    if (!navigator.geolocation || !state) return Promise.resolve();
    state.textContent = "正在定位…";
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        form.elements.accuracy_m.value = Math.round(pos.coords.accuracy);
        state.textContent = "已定位，精度约" + Math.round(pos.coords.accuracy) + "米";
        resolve();
      }, function () {
        state.textContent = "未定位（未授权或无信号），可不定位直接保存";
        resolve();
      }, { enableHighAccuracy: true, timeout: timeout || 8000, maximumAge: 60000 });
    });
  }

  function nowIn(zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  function initForm(form) {
    var key = location.pathname;
    var photos = [];
    var draftState = document.getElementById("draft-state");
    var cid = form.elements.client_id;
    var saveTimer = null;

    function renderPhotos() {
      var list = document.getElementById("photo-list");
      list.innerHTML = "";
      photos.forEach(function (p, i) {
        var item = document.createElement("span");
        item.className = "photo";
        var img = document.createElement("img");
        img.src = URL.createObjectURL(p.blob);
        img.alt = "照片" + (i + 1);
        var rm = document.createElement("button");
        rm.type = "button";
        rm.textContent = "移除";
        rm.addEventListener("click", function () { photos.splice(i, 1); renderPhotos(); saveDraft(); });
        item.appendChild(img);
        item.appendChild(rm);
        list.appendChild(item);
      });
    }
    function saveDraft(state) {
      var record = { key: key, client_id: cid.value, values: fieldValues(form), photos: photos, state: state || "editing", saved_at: Date.now() };
      return put("drafts", record).then(function () {
        if (draftState && !state) draftState.textContent = "草稿已保存在本机";
      });
    }
    function setClientId(value) { cid.value = value; form.__clientId = value; }

    var nav = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
    Promise.all([get("drafts", key), queued()]).then(function (found) {
      var draft = found[0];
      var inQueue = draft && found[1].some(function (i) { return i.client_id === draft.client_id; });
      if (draft && (draft.state === "editing" || (draft.state === "queued" && inQueue))) {
        fillValues(form, draft.values);
        setClientId(draft.client_id);
        photos = draft.photos || [];
        renderPhotos();
        if (draftState) draftState.textContent = draft.state === "queued" ? "本次走访已在待上传队列中，联网后自动上传" : "已恢复本机保存的草稿";
      } else if (draft && nav.type === "back_forward" && Date.now() - draft.saved_at < HOUR) {
        // Back to a form already sent: a second submit is the same visit, not a new one.
        fillValues(form, draft.values);
        setClientId(draft.client_id);
      } else {
        if (draft) del("drafts", key);
        setClientId(cid.value || uuid());
        // A form kept offline shows the time it was cached: start from now, in the server's zone.
        if (form.elements.visited_at) form.elements.visited_at.value = nowIn(form.dataset.timeZone);
      }
    });

    form.addEventListener("input", function () {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(function () { saveDraft(); }, 250);
    });
    var locateButton = document.getElementById("locate");
    if (locateButton) locateButton.addEventListener("click", function () { locate(form).then(function () { saveDraft(); }); });

    var fileInput = document.getElementById("id_photos");
    fileInput.addEventListener("change", function () {
      var maxSide = parseInt(form.dataset.photoMaxSide, 10) || 1600;
      var maxBytes = parseInt(form.dataset.photoMaxBytes, 10) || 10485760;
      var files = Array.prototype.slice.call(fileInput.files);
      fileInput.value = "";
      Promise.all(files.map(function (f) {
        return compress(f, maxSide, maxBytes).then(function (blob) {
          return { name: (f.name || "photo").replace(/\.[^.]*$/, "") + ".jpg", blob: blob };
        }, function () { return null; });
      })).then(function (done) {
        var bad = done.filter(function (p) { return !p; }).length;
        photos = photos.concat(done.filter(Boolean));
        renderPhotos();
        saveDraft();
        if (bad) showErrors(form, { photos: ["只能上传JPEG、PNG或WebP格式的照片"] });
      });
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var values = fieldValues(form);
      var errors = localErrors(form, values, photos);
      if (Object.keys(errors).length) { showErrors(form, errors); return; }
      var needLocation = form.dataset.askLocation === "1" && !values.latitude && navigator.onLine;
      (needLocation ? locate(form, 4000) : Promise.resolve()).then(function () {
        values = fieldValues(form);
        var item = {
          client_id: cid.value,
          draft_key: key,
          done_url: form.dataset.doneUrl,
          household_name: form.dataset.householdName,
          fields: apiFields(form, values),
          photos: photos,
          state: "pending",
          tries: 0,
          next_at: 0,
          created_at: Date.now()
        };
        return saveDraft("queued").then(function () { return put("queue", item); }).then(flush).then(function () {
          return get("queue", item.client_id);
        }).then(function (left) {
          if (!left) return; // confirmed: confirmed() moves on to the household
          if (left.state === "auth") {
            showErrors(form, {}, ["登录已过期，请重新登录。表单已保存在本机，登录后自动提交。"]);
            var box = document.getElementById("error-summary");
            box.querySelector("ul").insertAdjacentHTML("beforeend", "<li><a href='/accounts/login/?next=" + encodeURIComponent(key) + "'>去登录</a></li>");
          } else if (left.state === "invalid" || left.state === "confirm") {
            // The cadre fixes the form and submits again: the queued copy is replaced.
            return del("queue", left.client_id).then(function () { return saveDraft(); }).then(function () {
              showErrors(form, left.errors && Object.keys(left.errors).length ? left.errors : (left.state === "confirm" ? { confirm_repeat: [left.message] } : {}), left.errors && Object.keys(left.errors).length ? [] : [left.message]);
              return renderBanner();
            });
          } else if (left.state === "conflict") {
            showErrors(form, {}, [left.message + "（请在页面顶部选择保留哪一份）"]);
          } else {
            // No network: the visit waits in the queue; on to the household (kept offline).
            window.location.assign(form.dataset.doneUrl);
          }
        });
      });
    });
  }

  // --- service worker and the worklist's offline copy ------------------------------------------
  function registerWorker() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; });
  }
  function ask(reg, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (e) { resolve(e.data); };
      reg.active.postMessage(message, [channel.port2]);
    });
  }
  function precache(reg) {
    var holder = document.getElementById("offline-urls-data");
    if (!reg || !reg.active || !holder) return Promise.resolve();
    var urls = JSON.parse(holder.textContent);
    urls.push(location.pathname);
    document.querySelectorAll("link[rel=stylesheet][href^='/static/'], script[src^='/static/']").forEach(function (el) {
      urls.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    return ask(reg, { type: "precache", urls: urls }).then(function () {
      document.documentElement.setAttribute("data-offline-ready", "1");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.indexedDB) return;
    var signedIn = !!document.getElementById("upload-banner");
    var reg = registerWorker();
    if (signedIn) reg.then(precache);
    // Leaving: the offline copies of pages go with the session (the queue stays until uploaded).
    document.querySelectorAll("form[action$='/accounts/logout/']").forEach(function (f) {
      f.addEventListener("submit", function () {
        if (window.caches) caches.keys().then(function (keys) { keys.filter(function (k) { return /-pages$/.test(k); }).forEach(function (k) { caches.delete(k); }); });
      });
    });
    var form = document.querySelector("form[data-visit-form]");
    if (form) initForm(form);
    if (!signedIn) return;
    document.getElementById("upload-banner").addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-resolve]");
      if (!button) return;
      resolve(button.closest("[data-client-id]").getAttribute("data-client-id"), button.getAttribute("data-resolve"));
    });
    flush();
    window.addEventListener("online", flush);
    setInterval(flush, 3000);
  });

  window.zoufang = window.zoufang || {};
  window.zoufang.field = { flush: flush, queued: queued };
})();
