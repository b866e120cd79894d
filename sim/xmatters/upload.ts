import busboy from 'busboy';
import type { Request } from 'express';

// The one file of a multipart/form-data upload (the Import Plan form's "Choose File").

const MAX_BYTES = 5 * 1024 * 1024;

export class UploadError extends Error {}

export function readUpload(req: Request, field: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: MAX_BYTES } });
    } catch {
      reject(new UploadError('Send the plan as a multipart/form-data upload.'));
      return;
    }
    const chunks: Buffer[] = [];
    let found = false;
    let tooLarge = false;
    parser.on('file', (name, stream) => {
      if (name !== field) {
        stream.resume();
        return;
      }
      found = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (tooLarge = true));
    });
    parser.on('error', () => reject(new UploadError('The upload could not be read.')));
    parser.on('close', () => {
      if (tooLarge) reject(new UploadError('The file is larger than 5 MB; a plan is much smaller.'));
      else if (!found || chunks.length === 0) reject(new UploadError('Choose the communication plan (.zip) to import.'));
      else resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.pipe(parser);
  });
}
