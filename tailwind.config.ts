import type { Config } from "tailwindcss";

/**
 * The theme. Tailwind 4 reads this through `@config` in app/globals.css. Status colours are
 * paired with an icon and a word wherever they are shown, so none carries meaning alone.
 */
export default {
  darkMode: "class",
  theme: {
    extend: {
      colors: {
        surface: {
          DEFAULT: "rgb(var(--surface) / <alpha-value>)",
          raised: "rgb(var(--surface-raised) / <alpha-value>)",
        },
        ink: {
          DEFAULT: "rgb(var(--ink) / <alpha-value>)",
          muted: "rgb(var(--ink-muted) / <alpha-value>)",
        },
        accent: "rgb(var(--accent) / <alpha-value>)",
        danger: "rgb(var(--danger) / <alpha-value>)",
      },
    },
  },
} satisfies Config;
