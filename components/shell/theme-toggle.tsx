"use client";

import { useEffect, useState } from "react";

export type Theme = "light" | "dark";

/** localStorage key; read before first paint by THEME_BOOT_SCRIPT so there is no flash. */
export const THEME_STORAGE_KEY = "tm-theme";

/**
 * Runs in <head> before the page paints: the saved theme, else the system's preference.
 * A fixed string (no user input), so inlining it is safe.
 */
export const THEME_BOOT_SCRIPT = `try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");if(t!=="light"&&t!=="dark")t=matchMedia("(prefers-color-scheme: dark)").matches?"dark":"light";document.documentElement.classList.toggle("dark",t==="dark")}catch(e){}`;

export function ThemeToggle() {
  // Null until mounted: the server cannot know the theme, so it renders a neutral label.
  const [theme, setTheme] = useState<Theme | null>(null);
  useEffect(() => {
    setTheme(document.documentElement.classList.contains("dark") ? "dark" : "light");
  }, []);

  const next: Theme = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="rounded border border-ink-muted/40 px-2 py-1"
      aria-label={theme ? `Switch to ${next} theme` : "Switch theme"}
      onClick={() => {
        document.documentElement.classList.toggle("dark", next === "dark");
        localStorage.setItem(THEME_STORAGE_KEY, next);
        setTheme(next);
      }}
    >
      <span aria-hidden="true">{theme === "dark" ? "☀" : "☾"}</span> {theme ? next : "theme"}
    </button>
  );
}
