// A small history router: the path picks the page; links push state without reloading.

import { useEffect, useState, type MouseEvent, type ReactNode } from "react";

export interface Route {
  path: string;
  search: URLSearchParams;
}

function current(): Route {
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event("cellflow:navigate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener("popstate", update);
    window.addEventListener("cellflow:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("cellflow:navigate", update);
    };
  }, []);
  return route;
}

export function Link(props: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (e: MouseEvent) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(props.to);
    window.scrollTo(0, 0);
  };
  return (
    <a href={props.to} onClick={onClick} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}
