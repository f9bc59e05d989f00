/**
 * Completion notices for video jobs. Rekognition publishes to the SNS topic of the Start call's
 * NotificationChannel; Argus posts the same message, in an SNS HTTP notification envelope, to
 * the webhook configured for that topic. A webhook that is down never fails the job: the
 * delivery is retried a few times and then given up with a line in the log.
 */
import { randomUUID } from 'node:crypto';

/** Rekognition's completion message (the SNS Message field, as JSON). */
export interface CompletionMessage {
  JobId: string;
  Status: 'SUCCEEDED' | 'FAILED';
  API: string;
  JobTag?: string;
  /** Milliseconds since the epoch. */
  Timestamp: number;
  Video: { S3ObjectName: string; S3Bucket: string };
}

const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;

export async function notifyCompletion(url: string, topicArn: string, message: CompletionMessage): Promise<boolean> {
  const body = JSON.stringify({
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  });
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-topic-arn': topicArn }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (r.ok) return true;
    } catch {
      // retried below
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  console.error(`argus: could not deliver the completion of job ${message.JobId} to the webhook of ${topicArn}`);
  return false;
}
