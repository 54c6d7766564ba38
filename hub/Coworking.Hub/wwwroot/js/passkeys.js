// The browser's half of passkeys (PasskeysApi on the hub): a button marked data-passkey-register registers one for
// the signed-in member; a button marked data-passkey-sign-in signs in with one. What happens is told in the element
// named by the button's data-passkey-status (an aria-live region), so a screen reader hears it too.
"use strict";

(() => {
  const fromBase64Url = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  };

  const toBase64Url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  const antiforgery = async () => {
    const answer = await fetch("/auth/antiforgery", { credentials: "same-origin" });
    if (!answer.ok) {
      throw new Error("the hub did not hand out an antiforgery token");
    }
    return answer.json();
  };

  const post = async (path, body, token) => {
    const answer = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", [token.headerName]: token.token },
      body: JSON.stringify(body ?? {}),
    });
    const json = answer.headers.get("Content-Type")?.includes("json") ? await answer.json() : null;
    if (!answer.ok) {
      const errors = json?.errors ? Object.entries(json.errors).map(([field, messages]) => `${field} ${messages.join(", ")}`) : [];
      throw new Error([json?.title ?? `the hub answered ${answer.status}`, ...errors].join(": "));
    }
    return json;
  };

  const credentialJson = (credential) => {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64Url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64Url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64Url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64Url(response.authenticatorData);
      json.response.signature = toBase64Url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64Url(response.userHandle) : null;
    }
    return json;
  };

  const register = async (button) => {
    const token = await antiforgery();
    const ceremony = await post("/auth/passkeys/registration/options", {}, token);
    const options = ceremony.publicKey;
    options.challenge = fromBase64Url(options.challenge);
    options.user.id = fromBase64Url(options.user.id);
    options.excludeCredentials = (options.excludeCredentials ?? []).map((c) => ({ ...c, id: fromBase64Url(c.id) }));
    const credential = await navigator.credentials.create({ publicKey: options });
    const nameField = button.dataset.passkeyName ? document.getElementById(button.dataset.passkeyName) : null;
    await post("/auth/passkeys/registration", { ceremonyId: ceremony.ceremonyId, credential: credentialJson(credential), name: nameField?.value }, token);
  };

  const signIn = async () => {
    const token = await antiforgery();
    const ceremony = await post("/auth/passkeys/assertion/options", {}, token);
    const options = ceremony.publicKey;
    options.challenge = fromBase64Url(options.challenge);
    options.allowCredentials = (options.allowCredentials ?? []).map((c) => ({ ...c, id: fromBase64Url(c.id) }));
    const credential = await navigator.credentials.get({ publicKey: options });
    await post("/auth/passkeys/assertion", { ceremonyId: ceremony.ceremonyId, credential: credentialJson(credential) }, token);
  };

  const run = async (button, action, done) => {
    const status = document.getElementById(button.dataset.passkeyStatus);
    const say = (text) => { if (status) status.textContent = text; };
    if (!window.PublicKeyCredential) {
      say("This browser cannot use passkeys.");
      return;
    }
    button.disabled = true;
    say(button.dataset.passkeyWorking ?? "Waiting for your passkey…");
    try {
      await action(button);
      say(button.dataset.passkeyDone ?? "Done.");
      done();
    } catch (error) {
      say(error.name === "NotAllowedError" ? "The passkey was not used (cancelled or timed out)." : `That did not work: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  };

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-passkey-register],[data-passkey-sign-in]") : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    const next = button.dataset.passkeyNext;
    const go = () => { window.location.assign(next ?? window.location.pathname); };
    run(button, button.hasAttribute("data-passkey-register") ? register : signIn, go);
  });
})();
