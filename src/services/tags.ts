/**
 * Tags of the resources Rekognition lets you tag: face collections, Custom Labels projects and
 * project versions (models). TagResource adds or overwrites, UntagResource removes,
 * ListTagsForResource lists; all three answer ResourceNotFoundException for an ARN that names
 * nothing. At most 50 tags per resource. A resource created with Tags starts with exactly those,
 * even under the ARN of an earlier, deleted one.
 */
import { InvalidParameter, ResourceNotFound, ServiceQuotaExceeded } from '../edge/errors.js';
import type { TagRepository } from '../stores/metadata.js';

export const MAX_TAGS = 50;

export class TagsService {
  constructor(
    private readonly store: TagRepository,
    /** Whether the ARN names a taggable resource that exists. */
    private readonly exists: (arn: string) => boolean,
  ) {}

  private resource(arn: string): string {
    if (!this.exists(arn)) throw ResourceNotFound(`No collection, project or project version has the ARN ${arn}.`);
    return arn;
  }

  list(arn: string): Record<string, string> {
    return this.store.get(this.resource(arn));
  }

  tag(arn: string, tags: Readonly<Record<string, string>>): void {
    const current = this.store.get(this.resource(arn));
    const total = new Set([...Object.keys(current), ...Object.keys(tags)]).size;
    if (total > MAX_TAGS) throw ServiceQuotaExceeded(`A resource can have at most ${MAX_TAGS} tags; this would give it ${total}.`);
    this.store.put(arn, tags);
  }

  untag(arn: string, keys: readonly string[]): void {
    this.store.remove(this.resource(arn), keys);
  }

  /** Checks a Create call's Tags before the resource is made. */
  check(tags: Readonly<Record<string, string>> | undefined): void {
    if (tags && Object.keys(tags).length > MAX_TAGS) throw InvalidParameter(`A resource can have at most ${MAX_TAGS} tags; ${Object.keys(tags).length} were given.`);
  }

  /** The Tags of a Create call (checked by `check`), for the resource it just made. */
  created(arn: string, tags: Readonly<Record<string, string>> | undefined): void {
    this.store.clear(arn);
    if (tags) this.store.put(arn, tags);
  }
}
