// A control drawn from a parameter's declaration in the protocol schema: a select for choices, a
// slider otherwise (logarithmic when the declaration says so), with its value and unit.
import { useId } from 'react';
import type { ParamDeclaration } from '../generated/protocol.generated';

interface ParamControlProps {
  declaration: ParamDeclaration;
  value: number;
  onChange: (value: number) => void;
}

const SLIDER_STEPS = 1000;

function toSlider(declaration: ParamDeclaration, value: number): number {
  const { min, max, scale } = declaration;
  const position = scale === 'log' ? Math.log(value / min) / Math.log(max / min) : (value - min) / (max - min);
  return Math.round(position * SLIDER_STEPS);
}

function fromSlider(declaration: ParamDeclaration, step: number): number {
  const { min, max, scale } = declaration;
  const position = step / SLIDER_STEPS;
  const value = scale === 'log' ? min * (max / min) ** position : min + (max - min) * position;
  return Math.min(max, Math.max(min, Math.round(value * 10) / 10));
}

function formatValue(declaration: ParamDeclaration, value: number): string {
  if (declaration.unit === 'Hz' && value >= 1000) return `${(value / 1000).toFixed(2)} kHz`;
  return `${value.toFixed(1)} ${declaration.unit}`.trim();
}

export function ParamControl({ declaration, value, onChange }: ParamControlProps) {
  const id = useId();
  if (declaration.choices) {
    return (
      <div className="param">
        <label htmlFor={id}>{declaration.label}</label>
        <select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
          {declaration.choices.map((choice, index) => (
            <option key={choice} value={index}>
              {choice}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <div className="param">
      <label htmlFor={id}>{declaration.label}</label>
      <input
        id={id}
        type="range"
        min={0}
        max={SLIDER_STEPS}
        value={toSlider(declaration, value)}
        onChange={(event) => onChange(fromSlider(declaration, Number(event.target.value)))}
        onDoubleClick={() => onChange(declaration.defaultValue)}
        title="Double-click to reset"
      />
      <output htmlFor={id} className="param-value">
        {formatValue(declaration, value)}
      </output>
    </div>
  );
}
