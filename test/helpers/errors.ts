/** The error a Rekognition call failed with; fails the test when the call succeeds. */
import assert from 'node:assert/strict';
import type { RekognitionServiceException } from '@aws-sdk/client-rekognition';

export async function errorOf(p: Promise<unknown>): Promise<RekognitionServiceException> {
  try {
    await p;
  } catch (e) {
    return e as RekognitionServiceException;
  }
  assert.fail('expected the call to fail');
}
