#!/usr/bin/env node
// Generates the small synthetic data bundled under notebooks/data/ from a seeded PRNG, so every run writes the same bytes.
//
//   node scripts/make-data.mjs            writes notebooks/data/{complaints.json, taxi/*.csv, backup-source/*}
//   node scripts/make-data.mjs --check    exits 1 when a committed file differs from what this script writes

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(ROOT, "notebooks", "data");

/** mulberry32: a tiny, well-distributed 32-bit PRNG; one stream per file keeps files independent of each other. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  /** Pick from [value, weight] pairs. */
  const weighted = (pairs) => {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let r = next() * total;
    for (const [value, w] of pairs) {
      r -= w;
      if (r < 0) return value;
    }
    return pairs[pairs.length - 1][0];
  };
  return { next, int, pick, weighted };
}

// ---------------------------------------------------------------- complaints

const STATES = [
  ["CA", 14], ["FL", 11], ["TX", 11], ["NY", 8], ["GA", 6], ["IL", 4], ["PA", 4], ["NC", 4], ["NJ", 3], ["OH", 3],
  ["VA", 3], ["MD", 3], ["MI", 2], ["AZ", 2], ["WA", 2], ["MA", 2], ["TN", 2], ["CO", 2], ["NV", 1], ["LA", 1],
  ["SC", 1], ["AL", 1], ["MN", 1], ["OR", 1], ["MO", 1], ["WI", 1], ["IN", 1], ["KY", 1], ["CT", 1], ["UT", 1],
  ["PR", 0.5], ["DC", 0.5], ["", 0.5],
];

const PRODUCTS = [
  ["Credit reporting or other personal consumer reports", 40],
  ["Debt collection", 12],
  ["Credit card", 10],
  ["Checking or savings account", 9],
  ["Mortgage", 6],
  ["Money transfer, virtual currency, or money service", 5],
  ["Student loan", 4],
  ["Vehicle loan or lease", 4],
  ["Payday loan, title loan, personal loan, or advance loan", 3],
  ["Prepaid card", 2],
  ["Debt or credit management", 1],
];

/** Company names per product family; the bureaus dominate credit reporting, as in the real data. */
const COMPANIES = {
  "Credit reporting or other personal consumer reports": [
    ["Summit Credit Bureau, Inc.", 10], ["Northline Consumer Data LLC", 9], ["TrueLedger Information Services", 9], ["Meridian Bank, N.A.", 1],
  ],
  "Debt collection": [
    ["Portfolio Recovery Partners, LLC", 4], ["Keystone Collections Group", 3], ["Ashford & Kline Receivables", 2], ["Midland Asset Holdings", 2],
  ],
  "Credit card": [
    ["Meridian Bank, N.A.", 4], ["Harborview Financial Corp.", 3], ["Cascade Card Services", 3], ["Pinecrest Savings & Loan", 1],
  ],
  "Checking or savings account": [
    ["Meridian Bank, N.A.", 4], ["Harborview Financial Corp.", 3], ["Granite State Credit Union", 2], ["Pinecrest Savings & Loan", 2],
  ],
  Mortgage: [["Lakeshore Home Lending", 3], ["Harborview Financial Corp.", 2], ["Cornerstone Mortgage Servicing, LLC", 3]],
  "Money transfer, virtual currency, or money service": [["SwiftPay Technologies, Inc.", 3], ["CoinHarbor Exchange", 2], ["Meridian Bank, N.A.", 1]],
  "Student loan": [["Scholar Loan Servicing, Inc.", 3], ["EduFirst Servicing Corp.", 2]],
  "Vehicle loan or lease": [["Roadway Auto Finance", 3], ["Cascade Card Services", 1], ["Meridian Bank, N.A.", 1]],
  "Payday loan, title loan, personal loan, or advance loan": [["QuickBridge Lending", 2], ["Sunbelt Title Loans", 1]],
  "Prepaid card": [["SwiftPay Technologies, Inc.", 1], ["Cascade Card Services", 1]],
  "Debt or credit management": [["ClearPath Debt Relief", 1]],
};

const OPENERS = [
  "I am writing to dispute",
  "On XX/XX/2024 I noticed",
  "For the third time I am contacting the company about",
  "I recently checked my report and found",
  "I have been a customer for years and",
  "Despite several phone calls,",
  "This is a follow-up to my earlier complaint regarding",
  "I was contacted about",
];
const SUBJECTS = {
  "Credit reporting or other personal consumer reports": ["an account that does not belong to me", "a late payment that was never late", "an inquiry I did not authorize", "incorrect personal information on my report"],
  "Debt collection": ["a debt I do not owe", "calls at my workplace after I asked them to stop", "a balance that was already paid in full", "a debt that is past the statute of limitations"],
  "Credit card": ["a charge I did not make", "an annual fee that was never disclosed", "a credit limit decrease without notice", "interest charged after I paid the statement balance"],
  "Checking or savings account": ["a frozen account", "overdraft fees charged twice", "a deposit that never posted", "an account closed without explanation"],
  Mortgage: ["an escrow shortage I cannot understand", "a loan modification that was lost", "a payment applied to the wrong month"],
  "Money transfer, virtual currency, or money service": ["a transfer that never arrived", "funds held for more than 30 days", "a scam payment the company refused to reverse"],
  "Student loan": ["payments not counted toward forgiveness", "a forbearance I never requested", "my loan being transferred without notice"],
  "Vehicle loan or lease": ["a repossession without notice", "GAP insurance that was never refunded", "a payoff amount that keeps changing"],
  "Payday loan, title loan, personal loan, or advance loan": ["an interest rate far above what I signed for", "automatic withdrawals after I revoked authorization"],
  "Prepaid card": ["a card balance that disappeared", "a replacement card that never arrived"],
  "Debt or credit management": ["fees charged before any debt was settled"],
};
const DETAILS = [
  "I sent a letter with proof, and they replied that the information was \"verified as accurate\".",
  "The representative told me it would be fixed in 30 days; it has now been 90.",
  "I have attached my bank statements, which show the payment on time.",
  "This has lowered my score by more than 100 points and I was denied a car loan.",
  "They keep asking for the same documents, which I have already uploaded three times.",
  "I asked for a written explanation and received none.",
  "My account number ends in XXXX, and the amount in question is ${amount}.",
  "I filed a police report, case number XXXX, and they still hold me responsible.",
];
const CLOSERS = [
  "Please remove this item from my report.",
  "I want the fees refunded.",
  "I am asking the CFPB to help me resolve this.",
  "I would like this corrected immediately.",
  "",
];

function narrative(r, product) {
  const parts = [`${r.pick(OPENERS)} ${r.pick(SUBJECTS[product] ?? ["a problem with my account"])}.`];
  const details = [...DETAILS];
  for (let n = r.int(1, 3); n > 0; n--) {
    const [detail] = details.splice(r.int(0, details.length - 1), 1);
    parts.push(detail.replace("${amount}", `$${r.int(25, 4800)}.${String(r.int(0, 99)).padStart(2, "0")}`));
  }
  const closer = r.pick(CLOSERS);
  if (closer) parts.push(closer);
  // A few narratives span paragraphs, as real ones do; the ETL's CSV writer must quote them.
  return r.next() < 0.12 ? `${parts[0]}\n\n${parts.slice(1).join(" ")}` : parts.join(" ");
}

function complaints() {
  const r = prng(20240101);
  const start = Date.UTC(2024, 0, 1);
  const days = 274; // Jan 1 .. Sep 30, 2024
  const hits = [];
  for (let i = 0; i < 200; i++) {
    const product = r.weighted(PRODUCTS);
    const date = new Date(start + r.int(0, days - 1) * 86_400_000).toISOString().slice(0, 10);
    hits.push({
      _index: "complaint-public-v2",
      _type: "_doc",
      _id: String(8_100_000 + i * 37 + r.int(0, 36)),
      _score: null,
      _source: {
        date_received: `${date}T12:00:00-05:00`,
        state: r.weighted(STATES) || null,
        product,
        company: r.weighted(COMPANIES[product]),
        // About a quarter of consumers do not consent to publishing their narrative.
        complaint_what_happened: r.next() < 0.25 ? "" : narrative(r, product),
      },
    });
  }
  hits.sort((a, b) => (a._source.date_received < b._source.date_received ? 1 : -1));
  return JSON.stringify({ took: 12, timed_out: false, hits: { total: hits.length, max_score: null, hits } }, null, 1) + "\n";
}

// ---------------------------------------------------------------- taxi trips

const YELLOW_HEADER = "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge,Airport_fee";
const GREEN_HEADER = "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,payment_type,trip_type,congestion_surcharge";

function stamp(ms) {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

function money(x) {
  return x.toFixed(2);
}

/** One trip: distance, duration and fare that agree with each other roughly like NYC's meter does. */
function trip(r, year, month) {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pickup = Date.UTC(year, month - 1, r.int(1, daysInMonth), r.weighted([[r.int(0, 5), 1], [r.int(6, 9), 3], [r.int(10, 16), 4], [r.int(17, 23), 5]]), r.int(0, 59), r.int(0, 59));
  const distance = Math.round((r.next() < 0.08 ? 8 + r.next() * 12 : 0.3 + r.next() * r.next() * 7) * 100) / 100;
  const minutes = Math.max(1, Math.round(distance * (2.5 + r.next() * 3) + r.int(0, 6)));
  const dropoff = pickup + minutes * 60_000 + r.int(0, 59) * 1000;
  // Some trips report 0 passengers (a known quirk of the TLC data) and a few report none at all.
  const passengers = r.weighted([[1, 70], [2, 14], [3, 4], [4, 2], [5, 3], [6, 2], [0, 4], ["", 1]]);
  const fare = Math.round((3 + distance * 2.8 + minutes * 0.7) * 10) / 10;
  const payment = r.weighted([[1, 75], [2, 20], [3, 3], [4, 2]]);
  const tip = payment === 1 ? Math.round(fare * r.pick([0, 0.15, 0.2, 0.25, 0.3]) * 100) / 100 : 0;
  const tolls = distance > 8 && r.next() < 0.4 ? 6.94 : 0;
  const extra = r.pick([0, 1, 2.5, 3.5]);
  return { pickup, dropoff, passengers, distance, fare, payment, tip, tolls, extra, pu: r.int(1, 263), dof: r.int(1, 263), vendor: r.pick([1, 2, 2]) };
}

function yellow(month, count) {
  const r = prng(0x7e110 + month);
  const rows = [];
  for (let i = 0; i < count; i++) rows.push(trip(r, 2024, month));
  rows.sort((a, b) => a.pickup - b.pickup);
  const lines = rows.map((t) => {
    const congestion = r.next() < 0.85 ? 2.5 : 0;
    const airport = t.distance > 10 && r.next() < 0.5 ? 1.75 : 0;
    const total = t.fare + t.extra + 0.5 + t.tip + t.tolls + 1 + congestion + airport;
    return [t.vendor, stamp(t.pickup), stamp(t.dropoff), t.passengers, t.distance.toFixed(2), 1, "N", t.pu, t.dof, t.payment, money(t.fare), money(t.extra), "0.50", money(t.tip), money(t.tolls), "1.00", money(total), money(congestion), money(airport)].join(",");
  });
  return [YELLOW_HEADER, ...lines].join("\n") + "\n";
}

function green(month, count) {
  const r = prng(0x96ee4 + month);
  const rows = [];
  for (let i = 0; i < count; i++) rows.push(trip(r, 2024, month));
  rows.sort((a, b) => a.pickup - b.pickup);
  const lines = rows.map((t) => {
    const congestion = r.next() < 0.2 ? 2.75 : 0;
    const total = t.fare + t.extra + 0.5 + t.tip + t.tolls + 1 + congestion;
    return [t.vendor, stamp(t.pickup), stamp(t.dropoff), "N", 1, t.pu, t.dof, t.passengers, t.distance.toFixed(2), money(t.fare), money(t.extra), "0.50", money(t.tip), money(t.tolls), "1.00", money(total), t.payment, 1, money(congestion)].join(",");
  });
  return [GREEN_HEADER, ...lines].join("\n") + "\n";
}

// ---------------------------------------------------------------- backup source

function backupSource() {
  const r = prng(0xbac0);
  const log = [];
  let t = Date.UTC(2024, 2, 4, 6, 0, 0);
  for (let i = 0; i < 40; i++) {
    t += r.int(5, 900) * 1000;
    const level = r.weighted([["INFO", 12], ["WARN", 2], ["ERROR", 1]]);
    const msg = level === "ERROR" ? `upload of part ${r.int(1, 40)} failed: connection reset` : level === "WARN" ? `slow response from storage (${r.int(2, 9)}s)` : `synced ${r.int(1, 400)} files`;
    log.push(`${new Date(t).toISOString()} ${level} ${msg}`);
  }
  return {
    "README.txt": "Files a backup flow copies: it lists this folder, hashes each file, and copies the ones that changed.\n",
    "notes/meeting-2024-03-04.md": "# Weekly sync\n\n- Move the nightly ETL to 02:00 UTC\n- Alert when a run is Crashed, not only Failed\n- Keep results for 30 days\n",
    "notes/todo.txt": "rotate the storage key\narchive Q1 reports\nadd a retry to the upload task\n",
    "config/settings.ini": "[backup]\ntarget = /mnt/backup\nkeep_days = 30\ncompress = true\n\n[notify]\nemail = data-team@example.com\n",
    // Not *.log: the repository ignores those.
    "logs/sync-2024-03-04.txt": log.join("\n") + "\n",
  };
}

// ---------------------------------------------------------------- write or check

function outputs() {
  const files = { "complaints.json": complaints() };
  for (const month of [1, 2, 3]) {
    const mm = String(month).padStart(2, "0");
    files[`taxi/yellow_tripdata_2024-${mm}.csv`] = yellow(month, 300);
    files[`taxi/green_tripdata_2024-${mm}.csv`] = green(month, 80);
  }
  for (const [name, text] of Object.entries(backupSource())) files[`backup-source/${name}`] = text;
  return files;
}

const check = process.argv.includes("--check");
let stale = 0;
for (const [rel, text] of Object.entries(outputs())) {
  const file = path.join(DATA, rel);
  if (check) {
    const now = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
    if (now !== text) {
      stale++;
      process.stderr.write(`stale: notebooks/data/${rel} (regenerate with: node scripts/make-data.mjs)\n`);
    }
    continue;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote notebooks/data/${rel} (${Buffer.byteLength(text)} bytes)\n`);
}
if (check) process.exitCode = stale ? 1 : 0;
