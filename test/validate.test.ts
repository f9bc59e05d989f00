import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateInput } from '../src/edge/validate.js';
import { ServiceError } from '../src/edge/errors.js';
import { OPERATIONS } from '../src/operations/table.js';

const failure = (shape: string, body: unknown) => {
  try {
    validateInput(shape, body);
  } catch (e) {
    return e as ServiceError;
  }
  assert.fail('expected a validation failure');
};

describe('input validation against the service model', () => {
  it('lists all 75 Rekognition operations in the operation table', () => {
    assert.equal(OPERATIONS.size, 75);
    assert.ok(OPERATIONS.get('DetectLabels')?.handler);
  });

  it('decodes Image.Bytes from base64 into a Buffer', () => {
    const out = validateInput<{ Image: { Bytes: Buffer } }>('DetectLabelsRequest', { Image: { Bytes: Buffer.from('hello').toString('base64') } });
    assert.ok(Buffer.isBuffer(out.Image.Bytes));
    assert.equal(out.Image.Bytes.toString(), 'hello');
  });

  it('reports a missing required member as a ValidationException', () => {
    const e = failure('DetectLabelsRequest', {});
    assert.equal(e.type, 'ValidationException');
    assert.match(e.message, /Value null at 'image' failed to satisfy constraint: Member must not be null/);
  });

  it('reports every range violation in one message', () => {
    const e = failure('DetectLabelsRequest', { Image: { Bytes: 'aGk=' }, MinConfidence: 101, MaxLabels: -1 });
    assert.equal(e.type, 'ValidationException');
    assert.match(e.message, /^2 validation errors detected/);
    assert.match(e.message, /'minConfidence' failed to satisfy constraint: Member must have value less than or equal to 100/);
  });

  it('checks enums and patterns', () => {
    assert.match(failure('DetectLabelsRequest', { Image: { Bytes: 'aGk=' }, Features: ['COLORS'] }).message, /enum value set: \[GENERAL_LABELS, IMAGE_PROPERTIES\]/);
    assert.match(failure('CreateCollectionRequest', { CollectionId: 'has space' }).message, /regular expression pattern/);
  });

  it('answers a wrong JSON type with SerializationException', () => {
    assert.equal(failure('DetectLabelsRequest', { Image: { Bytes: 'aGk=' }, MaxLabels: 'ten' }).type, 'SerializationException');
    assert.equal(failure('DetectLabelsRequest', []).type, 'SerializationException');
    assert.equal(failure('DetectLabelsRequest', { Image: { Bytes: '***' } }).type, 'SerializationException');
  });

  it('answers image bytes over 5 MB with ImageTooLargeException', () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64');
    assert.equal(failure('DetectLabelsRequest', { Image: { Bytes: big } }).type, 'ImageTooLargeException');
  });

  it('ignores members the model does not define', () => {
    const out = validateInput<Record<string, unknown>>('DetectLabelsRequest', { Image: { Bytes: 'aGk=' }, Extra: 1 });
    assert.equal(out.Extra, undefined);
  });
});
