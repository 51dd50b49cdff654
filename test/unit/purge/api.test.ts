import { describe, expect, test } from "bun:test";
import { type TaskState, taskState, waitForTask } from "../../../src/purge/api.ts";

describe("taskState", () => {
  test.each([
    ["complete", undefined, { status: "complete" }],
    ["active", undefined, { status: "active" }],
    ["scheduled", undefined, { status: "active" }],
    ["failed", "boom", { status: "failed", error: "boom" }],
    ["failed", null, { status: "failed", error: "failed" }],
    ["cancelled", undefined, { status: "failed", error: "cancelled" }],
  ] as const)("%s (%s)", (status, error, state) => expect(taskState(status, error)).toEqual(state as TaskState));
});

describe("waitForTask", () => {
  test("polls on the schedule until the task ends", async () => {
    const pauses: number[] = [];
    const answers: TaskState[] = [{ status: "active" }, { status: "active" }, { status: "complete" }];
    const state = await waitForTask(
      async () => answers.shift()!,
      500,
      async (ms) => pauses.push(ms),
    );
    expect(state).toEqual({ status: "complete" });
    expect(pauses).toEqual([400, 100, 150]);
  });

  test("a failed task ends the wait with its error", async () => {
    expect(await waitForTask(async () => ({ status: "failed", error: "no" }), 100, async () => {})).toEqual({ status: "failed", error: "no" });
  });
});
