/**
 * The language of each event's text, found at flush time with src/text/language.ts and
 * capped: identification costs 0.1-0.2 ms per text on the event loop's thread, so past
 * BULWARK_EVENTS_LANG_PER_SEC texts a second (a token bucket with a second's burst) the
 * rest of a flush's events get no language (null) rather than delaying requests. Which
 * events are skipped depends only on arrival, not on their text, so the language mix of the
 * identified ones stays an unbiased sample; drift reads languages over identified events.
 */
import { languageIdentifier, type IdentifyLanguage } from "../../text/language.js";

export type EventLanguage = (text: string | undefined) => string | null;

const NONE: EventLanguage = () => null;

export class EventLanguages {
  private identify: IdentifyLanguage | undefined;
  private failed = false;
  private tokens: number;
  private refilled: number;

  /**
   * @param perSecond texts identified a second at most (0: none).
   * @param onLoadFailed told once if the model cannot be loaded; events then have no language.
   */
  constructor(
    private readonly perSecond: number,
    private readonly onLoadFailed: (err: unknown) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.refilled = now();
  }

  /** The function a flush calls per event, the model loaded on the first flush. */
  async forFlush(): Promise<EventLanguage> {
    if (this.perSecond <= 0 || this.failed) return NONE;
    if (!this.identify) {
      try {
        this.identify = await languageIdentifier();
      } catch (err) {
        this.failed = true;
        this.onLoadFailed(err);
        return NONE;
      }
    }
    const identify = this.identify;
    this.refill();
    return (text) => {
      if (text === undefined || this.tokens < 1) return null;
      this.tokens--;
      return identify(text);
    };
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.refilled) / 1000) * this.perSecond);
    this.refilled = t;
  }
}
