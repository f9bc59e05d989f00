#!/usr/bin/env node
/** The `argus` command line. Each command goes through the same operation table as the API. */
import { parseArgs } from './args.js';
import { serveCommand } from './serve.js';
import { detectLabelsCommand } from './detect-labels.js';
import { detectTextCommand } from './detect-text.js';
import { detectModerationLabelsCommand } from './detect-moderation-labels.js';
import { keysCommand } from './keys.js';
import { customLabelsCommand } from './custom-labels.js';
import { videoCommand } from './video.js';
import { celebritiesCommand, collectionsCommand, compareFacesCommand, detectFacesCommand, indexFacesCommand, listFacesCommand, searchFacesCommand, usersCommand } from './faces.js';

const COMMANDS: Readonly<Record<string, { run: (p: ReturnType<typeof parseArgs>) => Promise<void> | void; help: string }>> = Object.freeze({
  serve: { run: serveCommand, help: 'serve [--port 4600] [--host 127.0.0.1] [--data ./data]   start the API, S3 endpoint and /health' },
  'detect-labels': { run: detectLabelsCommand, help: 'detect-labels <file|s3://bucket/key> [--json] [--min-confidence N] [--max-labels N] [--features GENERAL_LABELS,IMAGE_PROPERTIES]' },
  'detect-text': { run: detectTextCommand, help: 'detect-text <file|s3://bucket/key> [--json] [--min-confidence N]   lines and words of text, as DetectText' },
  'detect-moderation-labels': { run: detectModerationLabelsCommand, help: 'detect-moderation-labels <file|s3://bucket/key> [--json] [--min-confidence N]   unsafe-content labels, as DetectModerationLabels' },
  'detect-faces': { run: detectFacesCommand, help: 'detect-faces <file|s3://bucket/key> [--attributes ALL|DEFAULT|GENDER,AGE_RANGE,...] [--json]   faces, as DetectFaces' },
  'compare-faces': { run: compareFacesCommand, help: 'compare-faces <source> <target> [--similarity-threshold 80] [--json]' },
  collections: { run: collectionsCommand, help: 'collections [list | create <id> | describe <id> | delete <id>] [--json]' },
  'index-faces': { run: indexFacesCommand, help: 'index-faces <collection> <folder|file>... [--max-faces N] [--quality-filter AUTO] [--json]   with a progress bar; ExternalImageId = file name' },
  'list-faces': { run: listFacesCommand, help: 'list-faces <collection> [--json]' },
  'search-faces': { run: searchFacesCommand, help: 'search-faces <collection> <file|s3://bucket/key> [--threshold 80] [--max-faces N] [--json]   as SearchFacesByImage' },
  users: { run: usersCommand, help: 'users [list <c> | create <c> <user> | delete <c> <user> | associate <c> <user> <faceId>... | search <c> <image>] [--json]' },
  celebrities: { run: celebritiesCommand, help: 'celebrities [list | add --name NAME [--urls U1,U2] [--gender G] <photo>... | remove <id> | recognize <image>] [--json]   the gallery RecognizeCelebrities searches' },
  'custom-labels': { run: customLabelsCommand, help: 'custom-labels [train <project> <folder> [--version v1] [--format voc|yolo|coco|folders] | detect <projectVersionArn> <image> [--min-confidence N]] [--json]   train from a folder (progress bars), read F1 per label, detect' },
  video: { run: videoCommand, help: 'video analyze <file> [--labels] [--faces] [--people] [--segments] [--out result.json] [--json]   stored-video analysis with progress bars and a summary (labels and segments by default)' },
  keys: { run: keysCommand, help: 'keys [list|create|delete <accessKeyId>]   manage access keys in the data folder' },
});

async function main(argv: string[]) {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    console.log(`usage: argus <command>\n\n${Object.values(COMMANDS).map((c) => `  argus ${c.help}`).join('\n')}`);
    process.exitCode = name && name !== 'help' && name !== '--help' ? 2 : 0;
    return;
  }
  await cmd.run(parseArgs(rest, ['json', 'labels', 'faces', 'people', 'segments']));
}

main(process.argv.slice(2)).catch((err: Error & { type?: string }) => {
  console.error(`argus: ${err.type ? `${err.type}: ` : ''}${err.message}`);
  process.exitCode = 1;
});
