/**
 * The arena as drawn: the floor, then scenery, bullets and ships in layers above it, moved so the
 * camera's centre is the middle of the screen. Owns its Pixi containers and views for the page's life.
 */
import { Container, type Graphics, type Renderer } from 'pixi.js';
import { EntityViews } from '../../client/pixi/index.ts';
import {
  type ArenaEntity,
  type ArenaView,
  arenaViewAdapter,
  Camera,
  createArenaTextures,
  createBackground,
} from './arenaViews.ts';

/** The world's layers and views, following a camera; add {@link ArenaScene.world} to the stage once. */
export class ArenaScene {
  /** The container holding every layer; the scene moves it to follow the camera. */
  readonly world = new Container();
  /** What the screen shows, in world units: its centre follows the local ship. */
  readonly camera = new Camera();
  /** One view per ship. */
  readonly ships: EntityViews<ArenaEntity, ArenaView>;
  /** One view per bullet. */
  readonly bullets: EntityViews<ArenaEntity, ArenaView>;
  /** One view per asteroid or pickup. */
  readonly scenery: EntityViews<ArenaEntity, ArenaView>;
  private background: Graphics;
  private readonly shipMap = new Map<number, ArenaEntity>();
  private readonly bulletMap = new Map<number, ArenaEntity>();
  private readonly sceneryMap = new Map<number, ArenaEntity>();

  /** A scene of a `worldSize`-unit world drawn by `renderer`; `entities` is the client's map, read for colours. */
  constructor(renderer: Renderer, entities: ReadonlyMap<number, ArenaEntity>, worldSize: number) {
    this.background = createBackground(worldSize);
    const sceneryLayer = new Container();
    const bulletLayer = new Container();
    const shipLayer = new Container();
    this.world.addChild(this.background, sceneryLayer, bulletLayer, shipLayer);
    const adapter = arenaViewAdapter(createArenaTextures(renderer), this.camera, entities);
    this.ships = new EntityViews(shipLayer, adapter);
    this.bullets = new EntityViews(bulletLayer, adapter);
    this.scenery = new EntityViews(sceneryLayer, adapter);
  }

  /** Redraws the floor for a world `worldSize` units wide (the room joined is another size). */
  resize(worldSize: number): void {
    this.world.removeChild(this.background).destroy();
    this.background = createBackground(worldSize);
    this.world.addChildAt(this.background, 0);
  }

  /**
   * Syncs the views to `entities` and centres the camera on entity `localId` (if present) on a screen
   * `width` × `height` px. Runs every animation frame: it reuses its maps and allocates nothing.
   */
  draw(entities: ReadonlyMap<number, ArenaEntity>, localId: number, width: number, height: number): void {
    const camera = this.camera;
    const local = entities.get(localId);
    if (local !== undefined) {
      camera.centerX = local.state.x;
      camera.centerY = local.state.y;
    }
    camera.halfWidth = width / 2;
    camera.halfHeight = height / 2;
    // Ships above bullets above scenery: split by kind into the layers' maps (reused, no allocation per frame).
    this.shipMap.clear();
    this.bulletMap.clear();
    this.sceneryMap.clear();
    for (const e of entities.values())
      (e.kind === 'ship' ? this.shipMap : e.kind === 'bullet' ? this.bulletMap : this.sceneryMap).set(e.id, e);
    this.ships.sync(this.shipMap);
    this.bullets.sync(this.bulletMap);
    this.scenery.sync(this.sceneryMap);
    this.world.position.set(
      Math.round(camera.halfWidth - camera.centerX),
      Math.round(camera.halfHeight - camera.centerY),
    );
  }
}
