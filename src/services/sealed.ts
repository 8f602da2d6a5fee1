// Secrets Steward must keep and use again later (Discord OAuth2 tokens) are
// stored sealed: AES-256-GCM with a key derived from STEWARD_SECRET by HKDF,
// a fresh 96-bit IV per value, and the row's owner as associated data, so a
// sealed value copied onto another member's row does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFor(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "steward", `steward:${purpose}`, 32));
}

export interface Sealer {
  seal(plaintext: string, owner: string): string;
  /** Throws when the value was not sealed with this secret, purpose and owner, or was altered. */
  open(sealed: string, owner: string): string;
}

export function sealer(secret: string, purpose: string): Sealer {
  const key = keyFor(secret, purpose);
  return {
    seal(plaintext, owner) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(owner));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    },
    open(sealed, owner) {
      const [version, data] = sealed.split(".");
      if (version !== VERSION || !data) throw new Error("not a sealed value");
      const raw = Buffer.from(data, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(owner));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    },
  };
}
