/**
 * How the arena looks: textures made once from vector shapes, a view per ship (hull tinted by its
 * hue, name, health bar once damaged, a ring round the local ship), per bullet, asteroid and pickup,
 * the background grid, and a camera that culls what is off screen.
 */
import { BitmapText, Container, Graphics, type Renderer, Sprite, type Texture } from 'pixi.js';
import type { ClientEntity } from '../../client/index.ts';
import type { EntityViewAdapter } from '../../client/pixi/index.ts';
import { SHIP_HP } from '../game/rules.ts';
import { type ArenaSchema, WORLD_SIZE } from '../game/schema.ts';

/** A drawn entity of the arena. */
export type ArenaEntity = ClientEntity<ArenaSchema>;

/** Views further off screen than this are hidden, px (a ship with its name, or the largest asteroid, fits inside). */
const CULL_MARGIN_PX = 90;
const HP_BAR_WIDTH_PX = 40;
const HP_BAR_HEIGHT_PX = 5;
const GRID_STEP = 100;
/** Radius of the asteroid texture's outline, px; views scale it to the asteroid's size. */
const ASTEROID_TEXTURE_RADIUS = 32;
const PICKUP_COLORS = { health: 0x66bb6a, score: 0xffd54f } as const;

/** The textures every view shares. Owned by the page; made once per renderer. */
export interface ArenaTextures {
  readonly ship: Texture;
  readonly bullet: Texture;
  readonly ring: Texture;
  readonly pixel: Texture;
  readonly asteroid: Texture;
  readonly pickup: Texture;
}

/** Renders the arena's shapes into textures on `renderer`. */
export function createArenaTextures(renderer: Renderer): ArenaTextures {
  const texture = (g: Graphics): Texture => {
    const t = renderer.generateTexture({ target: g, resolution: 2, antialias: true });
    g.destroy();
    return t;
  };
  return {
    // Symmetric bounds around the origin, so a centred anchor is the ship's centre; points along +x (angle 0).
    ship: texture(
      new Graphics()
        .poly([18, 0, -18, -14, -10, 0, -18, 14])
        .fill(0xffffff)
        .stroke({ width: 2, color: 0x10131a, alpha: 0.6 }),
    ),
    bullet: texture(new Graphics().circle(0, 0, 4).fill(0xffffff)),
    ring: texture(new Graphics().circle(0, 0, 27).stroke({ width: 2, color: 0xffffff, alpha: 0.7 })),
    pixel: texture(new Graphics().rect(0, 0, 4, 4).fill(0xffffff)),
    asteroid: texture(
      new Graphics().poly(rockOutline(ASTEROID_TEXTURE_RADIUS)).fill(0x5d5f66).stroke({ width: 3, color: 0x8a8d96 }),
    ),
    pickup: texture(
      new Graphics().poly([0, -9, 9, 0, 0, 9, -9, 0]).fill(0xffffff).stroke({ width: 2, color: 0xffffff, alpha: 0.5 }),
    ),
  };
}

/** What part of the world is on screen: its centre in world units and half its size in px (1 unit = 1 px). */
export class Camera {
  centerX = WORLD_SIZE / 2;
  centerY = WORLD_SIZE / 2;
  halfWidth = 0;
  halfHeight = 0;

  /** True if the world point (x, y) is on screen or within `marginPx` of it. */
  sees(x: number, y: number, marginPx: number): boolean {
    return (
      Math.abs(x - this.centerX) <= this.halfWidth + marginPx &&
      Math.abs(y - this.centerY) <= this.halfHeight + marginPx
    );
  }
}

/** A ship: tinted hull, name below, health bar above (once damaged). */
class ShipView extends Container {
  private readonly hull: Sprite;
  private readonly hpBack: Sprite;
  private readonly hpFill: Sprite;
  private readonly nameText: BitmapText;
  private ring: Sprite | null = null;
  private hue = -1;
  private hp = -1;
  private shownName = '';

  constructor(private readonly textures: ArenaTextures) {
    super();
    this.hull = new Sprite({ texture: textures.ship, anchor: 0.5 });
    const hpBack = new Sprite({ texture: textures.pixel, tint: 0x000000, alpha: 0.6 });
    hpBack.position.set(-HP_BAR_WIDTH_PX / 2 - 1, -34);
    hpBack.setSize(HP_BAR_WIDTH_PX + 2, HP_BAR_HEIGHT_PX + 2);
    this.hpBack = hpBack;
    this.hpFill = new Sprite({ texture: textures.pixel });
    this.hpFill.position.set(-HP_BAR_WIDTH_PX / 2, -33);
    this.nameText = new BitmapText({ text: '', style: { fontFamily: 'sans-serif', fontSize: 12, fill: 0xe8ecf4 } });
    this.nameText.anchor.set(0.5, 0);
    this.nameText.position.set(0, 22);
    this.addChild(this.hull, hpBack, this.hpFill, this.nameText);
  }

  update(state: ArenaShipState, isLocal: boolean): void {
    this.hull.rotation = state.angle;
    if (state.hue !== this.hue) {
      this.hue = state.hue;
      this.hull.tint = hueColor(state.hue);
    }
    if (state.hp !== this.hp) {
      this.hp = state.hp;
      const fraction = Math.max(0, Math.min(1, state.hp / SHIP_HP));
      this.hpFill.setSize(Math.max(1, HP_BAR_WIDTH_PX * fraction), HP_BAR_HEIGHT_PX);
      this.hpFill.tint = fraction > 0.5 ? 0x66bb6a : fraction > 0.25 ? 0xffca28 : 0xef5350;
      // A full health bar says nothing; hiding it also saves two sprites per ship in a crowd.
      this.hpBack.visible = this.hpFill.visible = fraction < 1;
    }
    if (state.name !== this.shownName) {
      this.shownName = state.name;
      this.nameText.text = state.name;
    }
    if (isLocal && this.ring === null) {
      this.ring = new Sprite({ texture: this.textures.ring, anchor: 0.5 });
      this.addChildAt(this.ring, 0);
    }
  }
}

type ArenaShipState = Extract<ArenaEntity, { kind: 'ship' }>['state'];

/** A bullet: a dot tinted like the ship that fired it (when that ship is drawn). */
class BulletView extends Sprite {
  tinted = false;
}

/** The view of one entity, by kind. */
export type ArenaView = ShipView | BulletView | Sprite;

/**
 * The views of every kind for an {@link EntityViews}. `entities` is looked up to colour a bullet
 * like its owner; views off the camera are hidden and not updated.
 */
export function arenaViewAdapter(
  textures: ArenaTextures,
  camera: Camera,
  entities: ReadonlyMap<number, ArenaEntity>,
): EntityViewAdapter<ArenaEntity, ArenaView> {
  return {
    create(entity) {
      switch (entity.kind) {
        case 'ship':
          return new ShipView(textures);
        case 'bullet':
          return new BulletView({ texture: textures.bullet, anchor: 0.5 });
        case 'asteroid': {
          const rock = new Sprite({ texture: textures.asteroid, anchor: 0.5 });
          rock.scale.set(entity.state.size / ASTEROID_TEXTURE_RADIUS);
          return rock;
        }
        case 'pickup':
          return new Sprite({ texture: textures.pickup, anchor: 0.5, tint: PICKUP_COLORS[entity.state.type] });
      }
    },
    update(view, entity) {
      const { x, y } = entity.state;
      const visible = camera.sees(x, y, CULL_MARGIN_PX);
      view.visible = visible;
      if (!visible) return;
      view.position.set(x, y);
      if (entity.kind === 'ship') {
        if (view instanceof ShipView) view.update(entity.state, entity.isLocal);
      } else if (entity.kind === 'asteroid') {
        view.rotation = entity.state.angle;
      } else if (view instanceof BulletView && !view.tinted && entity.kind === 'bullet') {
        const owner = entities.get(entity.state.owner);
        view.tint = owner?.kind === 'ship' ? hueColor(owner.state.hue) : 0xffffff;
        view.tinted = true;
      }
    },
  };
}

/** The floor of a world `worldSize` units wide: a grid (coarser in big worlds) and the walls, in world units. */
export function createBackground(worldSize: number): Graphics {
  const g = new Graphics();
  const step = worldSize > WORLD_SIZE ? GRID_STEP * 2 : GRID_STEP;
  g.rect(0, 0, worldSize, worldSize).fill(0x161b26);
  for (let v = step; v < worldSize; v += step) {
    g.moveTo(v, 0).lineTo(v, worldSize);
    g.moveTo(0, v).lineTo(worldSize, v);
  }
  g.stroke({ width: 1, color: 0x2a3244 });
  g.rect(0, 0, worldSize, worldSize).stroke({ width: 4, color: 0x5c6b8a });
  return g;
}

/** A lumpy circle of `radius` px (a fixed shape, so every asteroid texture is the same). */
function rockOutline(radius: number): number[] {
  const bumps = [1, 0.86, 0.97, 0.8, 0.93, 1, 0.84, 0.95, 0.78, 0.9, 1, 0.88];
  const points: number[] = [];
  for (let i = 0; i < bumps.length; i++) {
    const a = (i / bumps.length) * Math.PI * 2;
    points.push(Math.cos(a) * radius * bumps[i]!, Math.sin(a) * radius * bumps[i]!);
  }
  return points;
}

/** A ship's hue byte (0–255) as a bright RGB colour. */
export function hueColor(hue: number): number {
  const h = (hue / 256) * 6;
  const s = 0.7;
  const l = 0.6;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] =
    h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return (Math.round((r + m) * 255) << 16) | (Math.round((g + m) * 255) << 8) | Math.round((b + m) * 255);
}
