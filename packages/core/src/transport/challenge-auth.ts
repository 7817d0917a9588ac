import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HMAC challenge-response over a server nonce, shared by every transport.
 *
 * The server issues a fresh random nonce per connection; the client answers
 * with its own nonce and HMAC-SHA256(secret, label | serverNonce | clientNonce);
 * the server answers with the same construction under a different label, so
 * each side proves the secret to the other and neither proof can be replayed
 * on another connection. The secret itself never leaves the process.
 *
 * Owns only the secret's bytes. Stateless per call, safe to share across
 * connections.
 */
export class ChallengeAuth {
  static readonly NONCE_BYTES = 32;
  static readonly PROOF_BYTES = 32;
  private static readonly CLIENT_LABEL = Buffer.from('flint-auth-v1\0client\0', 'utf8');
  private static readonly SERVER_LABEL = Buffer.from('flint-auth-v1\0server\0', 'utf8');

  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret === '') throw new RangeError('ChallengeAuth needs a non-empty secret');
    this.key = Buffer.from(secret, 'utf8');
  }

  static nonce(): Buffer {
    return randomBytes(ChallengeAuth.NONCE_BYTES);
  }

  clientProof(serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
    return this.mac(ChallengeAuth.CLIENT_LABEL, serverNonce, clientNonce);
  }

  serverProof(serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
    return this.mac(ChallengeAuth.SERVER_LABEL, serverNonce, clientNonce);
  }

  verifyClientProof(serverNonce: Uint8Array, clientNonce: Uint8Array, proof: Uint8Array): boolean {
    return equalProof(this.clientProof(serverNonce, clientNonce), proof);
  }

  verifyServerProof(serverNonce: Uint8Array, clientNonce: Uint8Array, proof: Uint8Array): boolean {
    return equalProof(this.serverProof(serverNonce, clientNonce), proof);
  }

  private mac(label: Buffer, a: Uint8Array, b: Uint8Array): Buffer {
    if (a.byteLength !== ChallengeAuth.NONCE_BYTES || b.byteLength !== ChallengeAuth.NONCE_BYTES) {
      throw new RangeError('nonces must be 32 bytes');
    }
    return createHmac('sha256', this.key).update(label).update(a).update(b).digest();
  }
}

function equalProof(expected: Buffer, given: Uint8Array): boolean {
  return given.byteLength === expected.byteLength && timingSafeEqual(expected, given);
}
