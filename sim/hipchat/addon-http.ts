import axios from 'axios';

export interface HttpOutcome {
  /** The add-on's HTTP status, or 0 when it did not answer (the body then says why). */
  status: number;
  body: string;
}

const ADDON_TIMEOUT_MS = 10_000;

/** One call from the simulated HipChat to an add-on; never throws. */
export async function callAddon(method: 'post' | 'delete', url: string, body?: object): Promise<HttpOutcome> {
  try {
    const res = await axios.request<string>({
      method,
      url,
      data: body,
      timeout: ADDON_TIMEOUT_MS,
      responseType: 'text',
      transformResponse: (data: string) => data,
      validateStatus: () => true,
      maxRedirects: 0,
    });
    return { status: res.status, body: res.data ?? '' };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}
