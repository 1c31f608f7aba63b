/* The onboarding page: reads its state every 2 s, shows the current code (a new QR image when the
   code changes), the step, or the failure, and opens the chip's page once the chip is warming. */
(function () {
  'use strict';
  var box = document.getElementById('onboarding');
  if (!box) return;
  var stateUrl = box.dataset.stateUrl;
  var qrUrl = box.dataset.qrUrl;
  var shownCount = null;

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  function render(state) {
    var step = document.getElementById('step');
    step.textContent = state.label;
    step.dataset.step = state.step;
    var waiting = state.step === 'waiting_for_connection' && state.code;
    var qr = waiting && state.code.kind === 'qr';
    show('qr-box', qr);
    show('pairing-box', waiting && state.code.kind === 'pairing');
    show('how', waiting);
    if (qr && state.code.count !== shownCount) {
      shownCount = state.code.count;
      document.getElementById('qr').src = qrUrl + '?n=' + encodeURIComponent(state.code.count);
      document.getElementById('code-count').textContent = String(state.code.count);
    }
    if (waiting && state.code.kind === 'pairing') document.getElementById('pairing-code').textContent = state.code.pairingCode;
    if (state.failure) {
      var failure = document.getElementById('failure');
      failure.textContent = state.failure.code + ': ' + state.failure.reason;
      failure.hidden = false;
    }
    if (state.step === 'warming' && state.chipId) {
      window.location.assign('/chips/' + encodeURIComponent(state.chipId));
      return false;
    }
    return state.step !== 'failed';
  }

  function poll() {
    window
      .fetch(stateUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (state) {
        var again = state ? render(state) : true;
        if (again) window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 4000);
      });
  }

  var img = document.getElementById('qr');
  if (img && img.getAttribute('src')) shownCount = Number(document.getElementById('code-count').textContent) || null;
  poll();
})();
