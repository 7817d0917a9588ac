import { describe, expect, it } from 'vitest';
import { ChallengeAuth } from './challenge-auth.ts';

describe('ChallengeAuth', () => {
  const server = ChallengeAuth.nonce();
  const client = ChallengeAuth.nonce();

  it('accepts proofs made with the same secret, in each direction', () => {
    const a = new ChallengeAuth('s3cret');
    const b = new ChallengeAuth('s3cret');
    expect(a.verifyClientProof(server, client, b.clientProof(server, client))).toBe(true);
    expect(b.verifyServerProof(server, client, a.serverProof(server, client))).toBe(true);
  });

  it('refuses another secret, swapped roles, other nonces and truncated proofs', () => {
    const a = new ChallengeAuth('s3cret');
    const other = new ChallengeAuth('s3cret!');
    const proof = a.clientProof(server, client);
    expect(other.verifyClientProof(server, client, proof)).toBe(false);
    expect(a.verifyServerProof(server, client, proof)).toBe(false);
    expect(a.verifyClientProof(ChallengeAuth.nonce(), client, proof)).toBe(false);
    expect(a.verifyClientProof(server, client, proof.subarray(0, 16))).toBe(false);
  });

  it('never puts the secret in a proof', () => {
    const secret = 'a-secret-that-must-not-leak';
    const proof = new ChallengeAuth(secret).clientProof(server, client);
    expect(proof.includes(Buffer.from(secret))).toBe(false);
    expect(proof.length).toBe(ChallengeAuth.PROOF_BYTES);
  });
});
