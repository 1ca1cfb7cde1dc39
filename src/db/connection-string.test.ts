import { describe, expect, it } from "vitest";
import { parseHostList } from "./connection-string.js";

describe("parseHostList", () => {
  it("leaves a single-host URL alone", () => {
    const url = "postgres://u:p@db.example:5432/app?sslmode=require";
    expect(parseHostList(url)).toEqual({ urls: [url], readWrite: false });
  });

  it("splits the hosts of a multi-host URL and reads target_session_attrs", () => {
    expect(
      parseHostList("postgres://u@h1:5432,h2:5433/app?target_session_attrs=read-write&application_name=x"),
    ).toEqual({
      urls: ["postgres://u@h1:5432/app?application_name=x", "postgres://u@h2:5433/app?application_name=x"],
      readWrite: true,
    });
    expect(parseHostList("postgresql://h1,h2/app")).toEqual({
      urls: ["postgresql://h1/app", "postgresql://h2/app"],
      readWrite: false,
    });
  });
});
