/**
 * Keeps one Pixi display object per drawn entity in step with `client.frame()`: creates a view when
 * an entity appears, updates every view each frame, and removes the views of entities that left.
 * Per frame it allocates nothing beyond the map iterator; a view is made once per appearance.
 *
 *   const views = new EntityViews(world, {
 *     create: (e) => new Sprite(tex),
 *     update: (v, e) => v.position.set(e.state.x, e.state.y),
 *   });
 *   // each animation frame:
 *   views.sync(client.frame(now));
 */
import type { Container } from 'pixi.js';

/**
 * What an entity view needs of an entity: its id (as in the objects `client.frame()` returns).
 *
 * @category Pixi
 */
export interface Identified {
  /** The entity id, unique among the entities drawn. */
  readonly id: number;
}

/**
 * How an {@link EntityViews} makes, updates and disposes of the view of one entity.
 *
 * @category Pixi
 */
export interface EntityViewAdapter<E extends Identified, V extends Container> {
  /** Makes the view of a newly drawn entity; it is added to the parent container. */
  create(entity: E): V;
  /** Brings `view` up to date with `entity`, once per {@link EntityViews.sync}. */
  update(view: V, entity: E): void;
  /**
   * Disposes of the view of an entity that left, after it was removed from the parent. Default:
   * `view.destroy({ children: true })`.
   */
  destroy?(view: V, id: number): void;
}

interface Slot<V> {
  readonly view: V;
  seen: number;
}

/**
 * One display object per entity id, under one parent container. Owns the views it created.
 *
 * @example
 * ```ts
 * import { Application, Graphics } from 'pixi.js';
 * import { browserSocketFactory, type ClientEntity, TickwaveClient } from 'tickwave/client';
 * import { EntityViews } from 'tickwave/client/pixi';
 * import { defineSchema, t } from 'tickwave/shared';
 *
 * const schema = defineSchema({
 *   entities: {
 *     ship: { x: t.float({ min: 0, max: 800, step: 0.1 }), y: t.float({ min: 0, max: 600, step: 0.1 }) },
 *     rock: { x: t.float({ min: 0, max: 800, step: 0.1 }), y: t.float({ min: 0, max: 600, step: 0.1 }) },
 *   },
 *   input: {},
 * });
 * const client = new TickwaveClient(schema, { url: `ws://${location.host}/ws`, socketFactory: browserSocketFactory });
 * client.connect();
 *
 * const app = new Application();
 * await app.init({ width: 800, height: 600 });
 * document.body.appendChild(app.canvas);
 * const views = new EntityViews<ClientEntity<typeof schema>, Graphics>(app.stage, {
 *   // entity.kind narrows entity.state to that kind's fields
 *   create: (entity) => new Graphics().circle(0, 0, entity.kind === 'ship' ? 10 : 24).fill(0x88aaff),
 *   update: (view, entity) => view.position.set(entity.state.x, entity.state.y),
 * });
 * app.ticker.add(() => views.sync(client.frame(performance.now())));
 * ```
 *
 * @category Start here
 */
export class EntityViews<E extends Identified, V extends Container> {
  private readonly slots = new Map<number, Slot<V>>();
  private generation = 0;

  /** @param parent the container the views are added to (owned by the caller). */
  constructor(
    private readonly parent: Container,
    private readonly adapter: EntityViewAdapter<E, V>,
  ) {}

  /** Number of views. */
  get size(): number {
    return this.slots.size;
  }

  /** The view of entity `id`, or undefined. */
  get(id: number): V | undefined {
    return this.slots.get(id)?.view;
  }

  /** Creates, updates and removes views so there is exactly one per entity of `entities`. */
  sync(entities: ReadonlyMap<number, E>): void {
    const generation = ++this.generation;
    for (const entity of entities.values()) {
      let slot = this.slots.get(entity.id);
      if (slot === undefined) {
        slot = { view: this.adapter.create(entity), seen: generation };
        this.slots.set(entity.id, slot);
        this.parent.addChild(slot.view);
      }
      slot.seen = generation;
      this.adapter.update(slot.view, entity);
    }
    if (this.slots.size === entities.size) return;
    for (const [id, slot] of this.slots) {
      if (slot.seen !== generation) this.remove(id, slot);
    }
  }

  /** Removes and disposes of every view. */
  clear(): void {
    for (const [id, slot] of this.slots) this.remove(id, slot);
  }

  private remove(id: number, slot: Slot<V>): void {
    this.slots.delete(id);
    this.parent.removeChild(slot.view);
    if (this.adapter.destroy !== undefined) this.adapter.destroy(slot.view, id);
    else slot.view.destroy({ children: true });
  }
}
