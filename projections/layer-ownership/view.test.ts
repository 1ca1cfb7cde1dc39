import { describe, expect, it } from "vitest";
import { type LogBuilder, logBuilder } from "../../src/domain/test-support/log-builder.js";
import { companyLayersView, layersView } from "./view.js";

function entry(log: LogBuilder, asOf: string, companyId: string) {
  const body = companyLayersView(log.fold(), companyId, asOf, null);
  if (body === undefined) throw new Error(`unknown ${companyId}`);
  return body;
}

const layersOf = (log: LogBuilder, asOf: string, companyId: string) => entry(log, asOf, companyId).layers;

function companies(log: LogBuilder, ...ids: string[]): void {
  for (const id of ids) log.company(id);
}

describe("direct presence", () => {
  it("holds registered layers from their since, or from the registration's UTC day", () => {
    const log = logBuilder();
    log.company("a", [["model", "2020-Q2"], ["compute"]], "2024-03-05T22:00:00Z");
    expect(layersOf(log, "2020-06-29", "a")).toEqual({});
    expect(layersOf(log, "2024-03-04", "a")).toEqual({
      model: { weight: 1, path: "direct", since: "2020-06-30" },
    });
    expect(layersOf(log, "2024-03-05", "a")).toEqual({
      compute: { weight: 1, path: "direct", since: "2024-03-05" },
      model: { weight: 1, path: "direct", since: "2020-06-30" },
    });
  });

  it("grants launches when completed and plans them when announced", () => {
    const log = logBuilder();
    companies(log, "a");
    log.deal("ChipLaunchReported", "chip", "announced", "2020", { designer: "a", chip: "C" });
    log.status("chip", "completed", "2022");
    log.deal("ModelReleaseReported", "m", "reported", "2020", { developer: "a", model: "M", access: "api" });
    log.deal("ProductLaunchReported", "p", "rumored", "2020", {
      owner: "a",
      product: "P",
      layer: "application",
    });
    expect(entry(log, "2021-01-01", "a")).toMatchObject({ layers: {}, plannedLayers: ["hardware"] });
    expect(entry(log, "2023-01-01", "a")).toMatchObject({
      layers: { hardware: { weight: 1, path: "direct", since: "2022-12-31" } },
      plannedLayers: [],
    });
  });

  it("plans only layers not held by any path, in stack order, and never passes them up", () => {
    const log = logBuilder();
    log.company("a", [["model", "2019"]]);
    companies(log, "p");
    log.deal("ProductLaunchReported", "app", "announced", "2020", {
      owner: "a",
      product: "P",
      layer: "application",
    });
    log.deal("ModelReleaseReported", "m", "announced", "2020", { developer: "a", model: "M", access: "api" });
    log.deal("ChipLaunchReported", "chip", "announced", "2020", { designer: "a", chip: "C" });
    log.deal("AcquisitionReported", "acq", "completed", "2021", { acquirer: "p", target: "a" });
    expect(entry(log, "2022-01-01", "a").plannedLayers).toEqual(["hardware", "application"]);
    expect(entry(log, "2022-01-01", "p").plannedLayers).toEqual([]);
    expect(Object.keys(layersOf(log, "2022-01-01", "p"))).toEqual(["model"]);
  });

  it("grants compute to a provider while announced or completed, from the start of that run", () => {
    const log = logBuilder();
    companies(log, "c", "p");
    log.deal("ComputeDealReported", "x", "reported", "2019", { customer: "c", provider: "p", termMonths: 1 });
    log.status("x", "announced", "2020");
    log.status("x", "completed", "2021");
    log.status("x", "cancelled", "2023");
    expect(layersOf(log, "2020-06-01", "p")).toEqual({});
    // The term ended long ago: that stops edges, not presence.
    expect(layersOf(log, "2022-06-01", "p")).toEqual({
      compute: { weight: 1, path: "direct", since: "2020-12-31" },
    });
    expect(layersOf(log, "2024-01-01", "p")).toEqual({});
  });

  it("ends presence and planned layers for good with DealEnded, whatever status follows", () => {
    const log = logBuilder();
    companies(log, "a");
    log.deal("ModelReleaseReported", "m", "completed", "2020", { developer: "a", model: "M", access: "api" });
    log.end("m", "2022");
    log.status("m", "completed", "2023");
    log.deal("ChipLaunchReported", "chip", "announced", "2020", { designer: "a", chip: "C" });
    log.end("chip", "2022");
    log.status("chip", "announced", "2023");
    expect(entry(log, "2021-01-01", "a")).toMatchObject({
      layers: { model: {} },
      plannedLayers: ["hardware"],
    });
    expect(entry(log, "2024-01-01", "a")).toMatchObject({ layers: {}, plannedLayers: [] });
  });

  it("counts nothing from a retracted deal, at any D, once the retraction is known", () => {
    const log = logBuilder();
    companies(log, "a");
    log.deal("ModelReleaseReported", "m", "completed", "2020", { developer: "a", model: "M", access: "api" });
    log.retract("m");
    expect(Object.keys(companyLayersView(log.fold(2), "a", "2021-01-01", null)?.layers ?? {})).toEqual([
      "model",
    ]);
    expect(layersOf(log, "2021-01-01", "a")).toEqual({});
  });

  it("takes the earliest since among direct sources", () => {
    const log = logBuilder();
    log.company("a", [["model", "2021"]]);
    log.deal("ModelReleaseReported", "m1", "completed", "2023", {
      developer: "a",
      model: "M",
      access: "api",
    });
    log.deal("ModelReleaseReported", "m2", "completed", "2019-05", {
      developer: "a",
      model: "N",
      access: "api",
    });
    expect(layersOf(log, "2024-01-01", "a")).toEqual({
      model: { weight: 1, path: "direct", since: "2019-05-31" },
    });
  });
});

describe("inherited presence", () => {
  function chain(kind: "acquisition" | "wholly" | "majority"): LogBuilder {
    const log = logBuilder();
    companies(log, "p", "s");
    log.company("e", [["model", "2015"]]);
    if (kind === "acquisition")
      log.deal("AcquisitionReported", "x", "completed", "2018", { acquirer: "p", target: "s" });
    else
      log.deal("StakeChangeReported", "x", "completed", "2018", {
        holder: "p",
        entity: "s",
        percentAfter: kind === "wholly" ? 100 : 80,
      });
    log.deal("StakeChangeReported", "y", "completed", "2020", {
      holder: "s",
      entity: "e",
      percentAfter: 100,
    });
    return log;
  }

  it.each([
    ["acquisition", 1, "via_acquisition"],
    ["wholly", 1, "via_wholly_owned_subsidiary"],
    ["majority", 0.75, "via_majority_owned_subsidiary"],
  ] as const)("through a chain with a %s link: %d %s, via the bottom entity", (kind, weight, path) => {
    const log = chain(kind);
    expect(layersOf(log, "2021-01-01", "p")).toEqual({
      model: { weight, path, via: "e", since: "2020-12-31" },
    });
    // The intermediate inherits too (all links at 100, none an acquisition).
    expect(layersOf(log, "2021-01-01", "s")).toEqual({
      model: { weight: 1, path: "via_wholly_owned_subsidiary", via: "e", since: "2020-12-31" },
    });
    expect(entry(log, "2021-01-01", "e")).toMatchObject({ controlledBy: "s", ultimateParent: "p" });
    expect(entry(log, "2021-01-01", "s")).toMatchObject({ controlledBy: "p", ultimateParent: "p" });
    expect(entry(log, "2021-01-01", "p")).not.toHaveProperty("controlledBy");
  });

  it("starts at the later of the control start and the entity's own since", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e", [["model", "2025"]]);
    log.deal("AcquisitionReported", "x", "completed", "2020", { acquirer: "p", target: "e" });
    expect(layersOf(log, "2024-01-01", "p")).toEqual({});
    expect(layersOf(log, "2026-01-01", "p")).toEqual({
      model: { weight: 1, path: "via_acquisition", via: "e", since: "2025-12-31" },
    });
  });

  it("reports the best path but the earliest since among all paths in force", () => {
    const log = logBuilder();
    log.company("p", [["model", "2022"]]);
    log.company("e", [["model", "2010"]]);
    log.deal("StakeChangeReported", "x", "completed", "2015", { holder: "p", entity: "e", percentAfter: 60 });
    expect(layersOf(log, "2023-01-01", "p")).toEqual({
      model: { weight: 1, path: "direct", since: "2015-12-31" },
    });
  });

  it("breaks ties between paths on the order of paths, then the earliest since, then the smallest entity", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e2", [
      ["compute", "2010"],
      ["model", "2010"],
    ]);
    log.company("e1", [
      ["compute", "2010"],
      ["model", "2010"],
    ]);
    log.company("e3", [["compute", "2010"]]);
    log.deal("StakeChangeReported", "a", "completed", "2019", {
      holder: "p",
      entity: "e2",
      percentAfter: 100,
    });
    log.deal("StakeChangeReported", "b", "completed", "2019", {
      holder: "p",
      entity: "e1",
      percentAfter: 100,
    });
    log.deal("AcquisitionReported", "c", "completed", "2021", { acquirer: "p", target: "e3" });
    expect(layersOf(log, "2022-01-01", "p")).toEqual({
      compute: { weight: 1, path: "via_acquisition", via: "e3", since: "2019-12-31" },
      model: { weight: 1, path: "via_wholly_owned_subsidiary", via: "e1", since: "2019-12-31" },
    });
  });

  it("breaks a tie on the same path by the earliest since before the smallest entity", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e1", [["model", "2010"]]);
    log.company("e2", [["model", "2010"]]);
    log.deal("StakeChangeReported", "a", "completed", "2019", {
      holder: "p",
      entity: "e1",
      percentAfter: 100,
    });
    log.deal("StakeChangeReported", "b", "completed", "2017", {
      holder: "p",
      entity: "e2",
      percentAfter: 100,
    });
    expect(layersOf(log, "2020-01-01", "p")).toEqual({
      model: { weight: 1, path: "via_wholly_owned_subsidiary", via: "e2", since: "2017-12-31" },
    });
  });

  it("gives the layer from the completion of an acquisition announced earlier, and no plan when inherited", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e", [["application", "2010"]]);
    log.deal("AcquisitionReported", "x", "announced", "2020", { acquirer: "p", target: "e" });
    log.status("x", "completed", "2022");
    log.deal("ProductLaunchReported", "app", "announced", "2021", {
      owner: "p",
      product: "P",
      layer: "application",
    });
    expect(entry(log, "2022-01-15", "p")).toMatchObject({ layers: {}, plannedLayers: ["application"] });
    expect(entry(log, "2023-01-01", "p")).toMatchObject({
      layers: { application: { weight: 1, path: "via_acquisition", via: "e", since: "2022-12-31" } },
      plannedLayers: [],
    });
  });

  it("prefers a higher weight over the path order and an earlier since", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e1", [["model", "2010"]]);
    log.company("e2", [["model", "2010"]]);
    log.deal("StakeChangeReported", "a", "completed", "2015", {
      holder: "p",
      entity: "e1",
      percentAfter: 90,
    });
    log.deal("StakeChangeReported", "b", "completed", "2019", {
      holder: "p",
      entity: "e2",
      percentAfter: 100,
    });
    expect(layersOf(log, "2020-01-01", "p")).toEqual({
      model: { weight: 1, path: "via_wholly_owned_subsidiary", via: "e2", since: "2015-12-31" },
    });
  });

  it("transfers nothing through minority stakes, partnerships, or acquisitions not completed", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e", [["model", "2010"]]);
    log.company("f", [["model", "2010"]]);
    log.company("g", [["model", "2010"]]);
    log.deal("StakeChangeReported", "a", "completed", "2015", { holder: "p", entity: "e", percentAfter: 50 });
    log.deal("AcquisitionReported", "b", "announced", "2015", { acquirer: "p", target: "f" });
    log.deal("LicenseDealReported", "c", "completed", "2015", { licensee: "p", licensor: "g" });
    expect(layersOf(log, "2020-01-01", "p")).toEqual({});
  });
});

describe("the per-company view", () => {
  it("lists the entities controlled directly, with stake and since, sorted by id", () => {
    const log = logBuilder();
    companies(log, "p", "b", "a", "c");
    log.deal("StakeChangeReported", "x", "completed", "2020", { holder: "p", entity: "b", control: true });
    log.deal("AcquisitionReported", "y", "completed", "2021-03", {
      acquirer: "p",
      target: "a",
      percentAcquired: 75.5,
    });
    log.deal("AcquisitionReported", "z", "completed", "2021", { acquirer: "a", target: "c" });
    expect(entry(log, "2022-01-01", "p")).toEqual({
      asOf: "2022-01-01",
      cursor: null,
      companyId: "p",
      name: "P",
      layers: {},
      plannedLayers: [],
      ultimateParent: "p",
      controls: [
        { companyId: "a", stake: 75.5, since: "2021-03-31" },
        { companyId: "b", stake: 51, since: "2020-12-31" },
      ],
    });
    expect(companyLayersView(log.fold(), "nope", "2022-01-01", null)).toBeUndefined();
  });

  it("uses the latest name and lists every registered company in id order", () => {
    const log = logBuilder();
    companies(log, "b", "a");
    log.add("CompanyUpdated", { companyId: "a", name: "Renamed" });
    const body = layersView(log.fold(), "2020-01-01", "cursor-token");
    expect(body).toEqual({
      asOf: "2020-01-01",
      cursor: "cursor-token",
      companies: [
        { companyId: "a", name: "Renamed", layers: {}, plannedLayers: [], ultimateParent: "a" },
        { companyId: "b", name: "B", layers: {}, plannedLayers: [], ultimateParent: "b" },
      ],
    });
  });

  it("keeps the documented key order", () => {
    const log = logBuilder();
    companies(log, "p");
    log.company("e", [["model", "2010"]]);
    log.deal("StakeChangeReported", "x", "completed", "2015", { holder: "p", entity: "e", percentAfter: 60 });
    const body = layersView(log.fold(), "2020-01-01", null);
    expect(Object.keys(body)).toEqual(["asOf", "cursor", "companies"]);
    const [e, p] = [body.companies[0], body.companies[1]];
    expect(Object.keys(e ?? {})).toEqual([
      "companyId",
      "name",
      "layers",
      "plannedLayers",
      "controlledBy",
      "ultimateParent",
    ]);
    expect(Object.keys(p?.layers.model ?? {})).toEqual(["weight", "path", "via", "since"]);
  });
});
