import { describe, expect, it } from "vitest";
import { isoFromDays, parseIsoDate, weekdayOfDays } from "../src/dates.js";
import { easterSunday, holidaysOfYear, isBusinessDay } from "../src/synth/calendar.js";
import { ExpirationSchedule, monthlyExpiration } from "../src/synth/expirations.js";
import { tradingDays } from "../src/synth/index.js";

const d = parseIsoDate;
const iso = (days: number[]) => days.map(isoFromDays);

describe("trading calendar", () => {
  it("skips the NYSE holidays, observed dates and weekends", () => {
    for (const holiday of [
      "2023-01-02", // New Year's Day on a Sunday → Monday
      "2023-01-16", // MLK Day
      "2023-02-20", // Presidents' Day
      "2023-04-07", // Good Friday
      "2023-05-29", // Memorial Day
      "2023-06-19", // Juneteenth
      "2023-07-04",
      "2023-09-04", // Labor Day
      "2023-11-23", // Thanksgiving
      "2023-12-25",
      "2021-12-24", // Christmas on a Saturday → Friday
      "2022-06-20", // Juneteenth on a Sunday → Monday
      "2020-07-03", // Independence Day on a Saturday → Friday
      "2018-12-05", // unscheduled: national day of mourning
      "2012-10-29", // unscheduled: Hurricane Sandy
    ]) {
      expect(isBusinessDay(d(holiday)), holiday).toBe(false);
    }
    for (const open of [
      "2021-12-31", // New Year's Day 2022 fell on a Saturday: not observed on Friday Dec 31
      "2021-06-18", // no Juneteenth before 2022
      "2023-04-06",
      "2023-04-10", // Easter Monday
      "2023-11-24", // day after Thanksgiving (early close, still a trading day)
      "2023-07-03",
    ]) {
      expect(isBusinessDay(d(open)), open).toBe(true);
    }
    expect(isBusinessDay(d("2023-07-08"))).toBe(false); // Saturday
    expect(isBusinessDay(d("2023-07-09"))).toBe(false); // Sunday
  });

  it("computes Easter", () => {
    expect(iso([easterSunday(2023), easterSunday(2024), easterSunday(2025), easterSunday(2019)])).toEqual([
      "2023-04-09",
      "2024-03-31",
      "2025-04-20",
      "2019-04-21",
    ]);
  });

  it("counts the exchange's trading days per year", () => {
    const perYear = (y: number) => tradingDays(d(`${y}-01-01`), d(`${y}-12-31`)).length;
    expect([2017, 2018, 2019, 2020, 2021, 2022, 2023].map(perYear)).toEqual([251, 251, 252, 253, 252, 251, 250]);
    expect(tradingDays(d("2017-01-03"), d("2023-12-29")).length).toBe(1760);
    expect(holidaysOfYear(2023).size).toBe(10);
  });

  it("returns ascending weekdays only, inclusive of both ends", () => {
    const days = tradingDays(d("2023-06-30"), d("2023-07-10"));
    expect(iso(days)).toEqual(["2023-06-30", "2023-07-03", "2023-07-05", "2023-07-06", "2023-07-07", "2023-07-10"]);
    for (const day of days) expect([1, 2, 3, 4, 5]).toContain(weekdayOfDays(day));
    expect(tradingDays(d("2023-12-23"), d("2023-12-25"))).toEqual([]);
  });
});

describe("expirations", () => {
  it("puts monthlies on the third Friday, or the Thursday before when that Friday is a holiday", () => {
    expect(isoFromDays(monthlyExpiration(2023, 3))).toBe("2023-03-17");
    expect(isoFromDays(monthlyExpiration(2023, 1))).toBe("2023-01-20");
    expect(isoFromDays(monthlyExpiration(2025, 4))).toBe("2025-04-17"); // 2025-04-18 is Good Friday
    expect(isoFromDays(monthlyExpiration(2026, 6))).toBe("2026-06-18"); // 2026-06-19 is Juneteenth
  });

  it("lists weeklies and monthlies strictly after the trade date, holidays shifted back", () => {
    const rules = { weeklyDays: 56, monthlyDays: 366, decemberDays: 731 };
    const schedule = new ExpirationSchedule(rules, d("2023-03-01"), d("2023-04-28"));
    const listed = iso(schedule.listedOn(d("2023-04-03")));
    expect(listed.slice(0, 3)).toEqual(["2023-04-06", "2023-04-14", "2023-04-21"]); // Good Friday → Thursday
    expect(listed).not.toContain("2023-04-07");
    // Eight weeklies, then monthlies out to a year, then the December two years out.
    expect(listed.filter((e) => d(e) - d("2023-04-03") <= 56).length).toBe(8);
    expect(listed).toContain("2024-03-15");
    expect(listed).not.toContain("2024-04-19");
    expect(listed).toContain("2024-12-20");
    expect(listed.at(-1)).toBe("2024-12-20");
    // A Friday trade date does not list itself.
    expect(iso(schedule.listedOn(d("2023-03-17")))[0]).toBe("2023-03-24");
    for (const e of listed) expect(isBusinessDay(d(e)), e).toBe(true);
  });

  it("lists fewer expirations for equity-like rules", () => {
    const rules = { weeklyDays: 35, monthlyDays: 245, decemberDays: 0 };
    const schedule = new ExpirationSchedule(rules, d("2023-03-01"), d("2023-03-31"));
    const listed = schedule.listedOn(d("2023-03-01")).map((e) => e - d("2023-03-01"));
    expect(Math.max(...listed)).toBeLessThanOrEqual(245);
    expect(listed.filter((x) => x <= 35).length).toBe(5);
  });
});
