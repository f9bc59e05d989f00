/** `argus keys list|create|delete <id>`: the access keys kept in the data folder. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { credentialsFile, generateCredential, type Credential } from '../config.js';
import type { Parsed } from './args.js';

export function keysCommand(p: Parsed): void {
  const dataDir = resolve(process.env.ARGUS_DATA_DIR ?? 'data');
  const file = credentialsFile(dataDir);
  const keys: Credential[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const save = () => writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  const [action, id] = p.positionals;
  switch (action) {
    case undefined:
    case 'list':
      for (const k of keys) console.log(k.accessKeyId);
      if (keys.length === 0) console.log(`no keys in ${file}; one is generated on first start`);
      return;
    case 'create': {
      const k = generateCredential();
      keys.push(k);
      save();
      console.log(`AWS_ACCESS_KEY_ID=${k.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${k.secretAccessKey}`);
      return;
    }
    case 'delete': {
      const i = keys.findIndex((k) => k.accessKeyId === id);
      if (i < 0) throw new Error(`no key '${id}' in ${file}`);
      keys.splice(i, 1);
      save();
      console.log(`deleted ${id}`);
      return;
    }
    default:
      throw new Error('usage: argus keys [list|create|delete <accessKeyId>]');
  }
}
