// One ticker's option chain for one trading day, appended to a ChainBatch column by column.
//
// Choices: rows in key order (expirations ascending, strikes ascending within each); per
// expiration the time to expiry, discount factors, forward, ATM vol (with the next earnings'
// variance when the expiry spans its reaction day: earnings.ts) and strike list are computed once,
// then each strike takes its smile vol, one BSM evaluation for both sides (theos and call greeks),
// quotes and activity. The loop writes straight into the batch's typed arrays: no row objects, no
// closures, one scratch array reused for the BSM outputs. yte = calendar days / 365.
import type { ChainBatch } from "../chain-batch.js";
import { expectedInterest, noisyCount, OI_NOISE, turnoverAt, VOLUME_NOISE } from "./activity.js";
import {
  BSM_CALL,
  BSM_DELTA,
  BSM_GAMMA,
  BSM_PUT,
  BSM_RHO,
  BSM_SLOTS,
  BSM_THETA,
  BSM_VEGA,
  BSM_VEGA_UNIT,
  bsmIntoWith,
} from "./bsm.js";
import { withEarningsVariance, type EarningsEvent } from "./earnings.js";
import { monthlyExpiration, type ExpirationSchedule } from "./expirations.js";
import type { TickerModel } from "./profiles.js";
import { askIv, bidIv, halfSpread, roundAsk, roundBid } from "./quotes.js";
import type { Rng } from "./rng.js";
import { StrikeGrid } from "./strikes.js";
import { atmVol, smileVol } from "./vol-surface.js";

// Module-local aliases of the per-row helpers: some loaders (vitest's module runner) turn imported
// bindings into property reads on a namespace object at every use, which costs more than the
// arithmetic in this loop. Plain consts keep the calls direct and inlinable everywhere.
const priceRow = bsmIntoWith;
const smile = smileVol;
const half = halfSpread;
const bidPx = roundBid;
const askPx = roundAsk;
const ivBid = bidIv;
const ivAsk = askIv;
const interestAt = expectedInterest;
const noisy = noisyCount;
const OI_TABLE = OI_NOISE;
const VOLUME_TABLE = VOLUME_NOISE;
const CALL = BSM_CALL;
const PUT = BSM_PUT;
const DELTA = BSM_DELTA;
const GAMMA = BSM_GAMMA;
const THETA = BSM_THETA;
const VEGA = BSM_VEGA;
const RHO = BSM_RHO;
const VEGA_UNIT = BSM_VEGA_UNIT;

export class ChainBuilder {
  /** Listed strikes per expiration still alive. */
  private readonly grids = new Map<number, StrikeGrid>();
  private strikes = new Float64Array(1024);
  private readonly g = new Float64Array(BSM_SLOTS);

  constructor(
    private readonly model: TickerModel,
    private readonly schedule: ExpirationSchedule,
    private readonly activityRng: Rng,
  ) {}

  /**
   * Appends the rows of `day` with underlying close `spot`, variance `variance`, rate `r` and the
   * next earnings reaction after `day`, if any, in `event`; returns the row count.
   */
  addDay(batch: ChainBatch, day: number, spot: number, variance: number, r: number, event?: EarningsEvent): number {
    const { surface, strikes: rules, quotes, activity } = this.model;
    const q = this.model.path.divYield;
    for (const e of this.grids.keys()) if (e <= day) this.grids.delete(e);
    const g = this.g;
    const rng = this.activityRng;
    let rows = 0;
    for (const exp of this.schedule.listedOn(day)) {
      const dte = exp - day;
      const t = dte / 365;
      const sqrtT = Math.sqrt(t);
      const dq = Math.exp(-q * t);
      const dr = Math.exp(-r * t);
      const forward = (spot * dq) / dr;
      const atm = withEarningsVariance(atmVol(surface, variance, t), t, exp, day, event);
      let grid = this.grids.get(exp);
      if (!grid) {
        grid = new StrikeGrid(rules.steps(spot, t));
        this.grids.set(exp, grid);
      }
      grid.extend(rules, spot, atm * sqrtT, t);
      if (grid.maxCount() > this.strikes.length) this.strikes = new Float64Array(grid.maxCount() * 2);
      const strikes = this.strikes;
      const n = grid.fill(strikes);
      const expDate = new Date(exp * 86_400_000);
      const monthly = monthlyExpiration(expDate.getUTCFullYear(), expDate.getUTCMonth() + 1) === exp;
      const turnover = turnoverAt(activity, dte);
      const expiryWiden = 1 + quotes.expiryWiden / Math.sqrt(dte);

      const start = batch.reserve(n);
      const end = start + n;
      batch.tradeDate.fill(day, start, end);
      batch.expirDate.fill(exp, start, end);
      const f = batch.floats;
      f.stkPx.fill(spot, start, end);
      f.spotPx.fill(spot, start, end);
      f.yte.fill(t, start, end);
      f.iRate.fill(r, start, end);
      f.divRate.fill(q, start, end);
      const strikeCol = batch.strike;
      const { cBidPx, cAskPx, cValue, pBidPx, pAskPx, pValue, cBidIv, cMidIv, cAskIv, pBidIv, pMidIv, pAskIv } = f;
      const { smvVol, delta, gamma, theta, vega, rho } = f;
      const { cVolu, cOi, pVolu, pOi } = batch.ints;
      for (let i = 0; i < n; i++) {
        const k = strikes[i]!;
        const row = start + i;
        const logMoneyness = Math.log(k / forward);
        const vol = smile(surface, atm, logMoneyness, sqrtT);
        priceRow(g, spot, k, t, sqrtT, dq, dr, r, q, vol);
        const call = g[CALL]!;
        const put = g[PUT]!;
        const vegaUnit = g[VEGA_UNIT]!;
        const z = logMoneyness / (vol * sqrtT);
        const sd = z < 0 ? -z : z;
        const cHalf = half(quotes, call, vegaUnit, sd, expiryWiden);
        const pHalf = half(quotes, put, vegaUnit, sd, expiryWiden);
        const cBid = bidPx(quotes, call - cHalf);
        const cAsk = askPx(quotes, call + cHalf);
        const pBid = bidPx(quotes, put - pHalf);
        const pAsk = askPx(quotes, put + pHalf);
        strikeCol[row] = k;
        cValue[row] = call;
        pValue[row] = put;
        cBidPx[row] = cBid;
        cAskPx[row] = cAsk;
        pBidPx[row] = pBid;
        pAskPx[row] = pAsk;
        smvVol[row] = vol;
        cMidIv[row] = vol;
        pMidIv[row] = vol;
        cBidIv[row] = ivBid(cBid, call, vol, vegaUnit);
        cAskIv[row] = ivAsk(cAsk, call, vol, vegaUnit);
        pBidIv[row] = ivBid(pBid, put, vol, vegaUnit);
        pAskIv[row] = ivAsk(pAsk, put, vol, vegaUnit);
        delta[row] = g[DELTA]!;
        gamma[row] = g[GAMMA]!;
        theta[row] = g[THETA]!;
        vega[row] = g[VEGA]!;
        rho[row] = g[RHO]!;
        const interest = interestAt(activity, z, dte, monthly, k);
        const callInterest = interest;
        const putInterest = interest * activity.putWeight;
        cOi[row] = noisy(rng, callInterest, OI_TABLE);
        pOi[row] = noisy(rng, putInterest, OI_TABLE);
        cVolu[row] = noisy(rng, callInterest * turnover, VOLUME_TABLE);
        pVolu[row] = noisy(rng, putInterest * turnover, VOLUME_TABLE);
      }
      rows += n;
    }
    return rows;
  }
}
