#!/usr/bin/env python3
"""Open a local HTML file in headless Chromium and report what a browser saw.

Talks the Chrome DevTools Protocol over --remote-debugging-pipe (file
descriptors 3 and 4, NUL-terminated JSON), so it needs nothing but Python's
standard library and Debian's chromium.  For each page it prints one JSON
object:

  loaded      the load event fired
  console     console messages, uncaught exceptions and browser log entries
              (CSP violations, failed loads) of level warning or error
  probes      the value of each --probe NAME=JS expression, evaluated in the
              page after load (DevTools evaluates even where the page's own
              Content-Security-Policy forbids scripts)
  screenshot  the PNG's path, when --screenshot is given (the whole page)

Usage: cdp_page.py [--chromium PATH] [--width PX] [--screenshot PNG]
                   [--clip-selector CSS] [--probe NAME=JS]... FILE.html
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Pipe:
    """One CDP connection over the two pipes"""

    def __init__(self, to_chrome, from_chrome, proc):
        self.w = to_chrome
        self.r = from_chrome
        self.proc = proc
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read_one(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe (exit status %s)" % self.proc.poll())
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30):
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self.read_one(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        while True:
            msg = self.read_one(deadline)
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                msg = self.read_one(deadline)
                if "method" in msg:
                    self.events.append(msg)
        except TimeoutError:
            pass


def high_fd(fd):
    """The same pipe end on a descriptor above 4, so dup2 onto 3 and 4 is safe"""
    import fcntl
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--screenshot")
    ap.add_argument("--clip-selector", help="screenshot only the box around the elements this CSS selector matches")
    ap.add_argument("--probe", action="append", default=[])
    ap.add_argument("page")
    a = ap.parse_args()

    chrome_in_r, chrome_in_w = (high_fd(f) for f in os.pipe())
    chrome_out_r, chrome_out_w = (high_fd(f) for f in os.pipe())
    profile = tempfile.mkdtemp(prefix="medrnn-chromium-")

    def child_fds():
        os.dup2(chrome_in_r, 3)
        os.dup2(chrome_out_w, 4)

    proc = subprocess.Popen(
        [a.chromium, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
         "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking", "--disable-sync",
         "--user-data-dir=" + profile, "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        close_fds=False, preexec_fn=child_fds)
    os.close(chrome_in_r)
    os.close(chrome_out_w)
    cdp = Pipe(chrome_in_w, chrome_out_r, proc)
    out = {"page": a.page, "loaded": False, "console": [], "probes": {}}
    try:
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(domain + ".enable", session=s)
        cdp.call("Emulation.setDeviceMetricsOverride",
                 {"width": a.width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=s)
        cdp.call("Page.navigate", {"url": "file://" + os.path.abspath(a.page)}, session=s)
        cdp.wait_event("Page.loadEventFired", timeout=60)
        out["loaded"] = True
        cdp.drain(0.5)          # late console and log entries
        for e in cdp.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out["console"].append({"kind": "console." + p["type"],
                                       "text": " ".join(str(x.get("value", x.get("description", ""))) for x in p.get("args", []))})
            elif e["method"] == "Runtime.exceptionThrown":
                out["console"].append({"kind": "exception", "text": p["exceptionDetails"].get("text", "")})
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out["console"].append({"kind": "log." + p["entry"]["source"], "text": p["entry"]["text"]})
        for probe in a.probe:
            name, _, js = probe.partition("=")
            r = cdp.call("Runtime.evaluate", {"expression": js, "returnByValue": True}, session=s)
            if "exceptionDetails" in r:
                out["probes"][name] = {"error": r["exceptionDetails"].get("text", "")}
            else:
                out["probes"][name] = r["result"].get("value")
        if a.screenshot:
            size = cdp.call("Page.getLayoutMetrics", session=s)["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            if a.clip_selector:
                js = ("(() => { const rs = Array.from(document.querySelectorAll(%s)).map(e => e.getBoundingClientRect()); "
                      "const x = Math.min(...rs.map(r => r.left)), y = Math.min(...rs.map(r => r.top)); "
                      "return {x: x + scrollX, y: y + scrollY, width: Math.max(...rs.map(r => r.right)) - x, "
                      "height: Math.max(...rs.map(r => r.bottom)) - y, scale: 1}; })()"
                      % json.dumps(a.clip_selector))
                clip = cdp.call("Runtime.evaluate", {"expression": js, "returnByValue": True},
                                session=s)["result"]["value"]
            shot = cdp.call("Page.captureScreenshot",
                            {"format": "png", "captureBeyondViewport": True, "clip": clip},
                            session=s, timeout=60)
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            out["screenshot"] = a.screenshot
            out["page_height"] = size["height"]
        try:
            cdp.call("Browser.close", timeout=5)
        except Exception:
            pass
    except Exception as e:  # report, do not hide: the caller's test fails on "error"
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(out, sys.stdout)
    print()
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    sys.exit(main())
