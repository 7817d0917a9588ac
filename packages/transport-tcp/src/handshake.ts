import { ChallengeAuth, TransportError } from '@flint/core/transport';
import {
  AUTH_FLAG_HAS_PROOF,
  CHALLENGE_FLAG_AUTH_REQUIRED,
  PROTOCOL_MAGIC,
  PROTOCOL_VERSION,
} from './frame.ts';

/** CHALLENGE payload: magic, version, flags, server nonce. */
export interface Challenge {
  authRequired: boolean;
  nonce: Buffer;
}

/** AUTH payload: magic, version, flags, client nonce, connection id, proof. */
export interface AuthAnswer {
  nonce: Buffer;
  connectionId: string;
  proof: Buffer | undefined;
}

const NONCE = ChallengeAuth.NONCE_BYTES;
const PROOF = ChallengeAuth.PROOF_BYTES;

export function encodeChallenge(c: Challenge): Buffer {
  const b = Buffer.allocUnsafe(6 + NONCE);
  PROTOCOL_MAGIC.copy(b, 0);
  b[4] = PROTOCOL_VERSION;
  b[5] = c.authRequired ? CHALLENGE_FLAG_AUTH_REQUIRED : 0;
  c.nonce.copy(b, 6);
  return b;
}

export function decodeChallenge(p: Buffer): Challenge {
  checkPreamble(p, 6 + NONCE, 'challenge');
  return { authRequired: (p[5] & CHALLENGE_FLAG_AUTH_REQUIRED) !== 0, nonce: Buffer.from(p.subarray(6, 6 + NONCE)) };
}

export function encodeAuth(a: AuthAnswer): Buffer {
  const id = Buffer.from(a.connectionId, 'ascii');
  const b = Buffer.allocUnsafe(6 + NONCE + 1 + id.length + (a.proof ? PROOF : 0));
  PROTOCOL_MAGIC.copy(b, 0);
  b[4] = PROTOCOL_VERSION;
  b[5] = a.proof ? AUTH_FLAG_HAS_PROOF : 0;
  a.nonce.copy(b, 6);
  b[6 + NONCE] = id.length;
  id.copy(b, 7 + NONCE);
  a.proof?.copy(b, 7 + NONCE + id.length);
  return b;
}

export function decodeAuth(p: Buffer): AuthAnswer {
  checkPreamble(p, 7 + NONCE, 'authentication');
  const hasProof = (p[5] & AUTH_FLAG_HAS_PROOF) !== 0;
  const idLen = p[6 + NONCE];
  const expected = 7 + NONCE + idLen + (hasProof ? PROOF : 0);
  if (p.length !== expected) throw new TransportError('PROTOCOL', `authentication frame has ${p.length} bytes, expected ${expected}`);
  const connectionId = p.toString('ascii', 7 + NONCE, 7 + NONCE + idLen);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(connectionId)) throw new TransportError('PROTOCOL', 'authentication frame has a malformed connection id');
  return {
    nonce: Buffer.from(p.subarray(6, 6 + NONCE)),
    connectionId,
    proof: hasProof ? Buffer.from(p.subarray(7 + NONCE + idLen)) : undefined,
  };
}

function checkPreamble(p: Buffer, min: number, what: string): void {
  if (p.length < min || !p.subarray(0, 4).equals(PROTOCOL_MAGIC)) {
    throw new TransportError('PROTOCOL', `not a Flint TCP ${what} frame (wrong magic or size)`);
  }
  if (p[4] !== PROTOCOL_VERSION) {
    throw new TransportError('PROTOCOL', `unsupported Flint TCP protocol version ${p[4]} (this side speaks ${PROTOCOL_VERSION})`);
  }
}
