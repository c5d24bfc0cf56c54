/**
 * Knowledge-base articles the demo's experts wrote from completed tickets: one per kind of problem
 * (category, then the problem as tickets describe it), with what the expert found and did.
 */
export const ARTICLES: Record<string, Record<string, { title: string; problem: string; fix: string; tags: string[] }>> = {
  'washer': {
    'leaks water during the spin cycle': {
      title: 'Washer leaks during the spin cycle',
      problem: 'Water pools under the washer only while it spins; the tub seal or the drain hose clamp gives way under vibration.',
      fix: 'Check the drain hose clamp at the pump first and tighten or replace it. If the leak comes from under the tub, replace the tub seal and the bearings together (they fail together), then run an empty spin cycle and check for drips.',
      tags: ['leak', 'spin', 'tub seal'],
    },
    'does not drain': {
      title: 'Washer does not drain',
      problem: 'Water stays in the drum at the end of the cycle; the drain pump hums or stays silent.',
      fix: 'Open the pump filter at the front and clear lint, coins and hair clips. If the pump still hums without pumping, replace the drain pump; if it is silent, check its connector and the lid switch before replacing the control board.',
      tags: ['drain', 'pump', 'filter'],
    },
    'drum does not turn': {
      title: 'Washer drum does not turn',
      problem: 'The motor runs or hums but the drum stays still, during washing and spinning.',
      fix: 'Remove the back panel and check the drive belt: a worn or slipped belt is the usual cause, replace it. On direct-drive models check the motor coupling and the rotor position sensor instead.',
      tags: ['drum', 'belt', 'motor'],
    },
    'shows error code E21': {
      title: 'Washer shows error code E21',
      problem: 'The washer stops with E21 (draining takes too long) and does not finish the cycle.',
      fix: 'E21 means the water did not drain in time: clean the pump filter and check the drain hose for kinks or a blocked standpipe. Reset by unplugging for a minute; replace the pump only if it fails the resistance test.',
      tags: ['error code', 'e21', 'drain'],
    },
  },
  'dryer': {
    'runs but does not heat': {
      title: 'Dryer runs but does not heat',
      problem: 'The drum turns and the timer runs, but the air stays cold and clothes stay wet.',
      fix: 'Test the thermal fuse and the high-limit thermostat for continuity and replace a blown one; then find why it blew: clear the lint from the exhaust duct to the outside. On electric models also test the heating element, on gas models the igniter and the gas valve coils.',
      tags: ['heat', 'thermal fuse', 'vent'],
    },
    'makes a loud squeaking noise': {
      title: 'Dryer squeaks loudly',
      problem: 'A loud squeak or squeal while the drum turns, worse with a full load.',
      fix: 'Replace the drum support rollers and the idler pulley; they wear out together. Check the drum glides and the belt while the cabinet is open.',
      tags: ['noise', 'rollers', 'idler pulley'],
    },
    'stops after a few minutes': {
      title: 'Dryer stops after a few minutes',
      problem: 'The dryer starts normally, then stops by itself after a few minutes.',
      fix: 'The motor overheats and its thermal protector cuts it: clean the lint screen housing and the exhaust duct, and check the motor for a seized bearing. Replace the cycling thermostat if the temperature overshoots.',
      tags: ['stops', 'overheat', 'motor'],
    },
  },
  'dishwasher': {
    'dishes come out dirty': {
      title: 'Dishwasher leaves dishes dirty',
      problem: 'Food residue and a gritty film stay on the dishes after a full cycle.',
      fix: 'Clean the filter assembly and the spray arm holes, and check that the wash pump builds pressure. Check the water inlet temperature (at least 50 °C) and that the detergent dispenser opens.',
      tags: ['dirty dishes', 'filter', 'spray arm'],
    },
    'water stays at the bottom': {
      title: 'Water stays at the bottom of the dishwasher',
      problem: 'Standing water remains in the tub after the cycle ends.',
      fix: 'Clean the filter and the sump, then check the drain hose loop and the air gap or garbage disposal connection for a blockage. Replace the drain pump if it does not run.',
      tags: ['drain', 'standing water', 'sump'],
    },
    'leaks from the door': {
      title: 'Dishwasher leaks from the door',
      problem: 'Water drips from the bottom of the door during the wash.',
      fix: 'Replace the door gasket and check the tub is level side to side. Use dishwasher detergent only (hand soap foams over the gasket).',
      tags: ['leak', 'door', 'gasket'],
    },
  },
  'refrigerator': {
    'not cooling': {
      title: 'Refrigerator is not cooling',
      problem: 'The fridge section is warm while the light and controls work.',
      fix: 'Clean the condenser coils and check the condenser fan. If the compressor runs but the evaporator stays warm, look for an iced-up evaporator (defrost fault) before suspecting a refrigerant leak.',
      tags: ['cooling', 'condenser', 'compressor'],
    },
    'ice maker stopped working': {
      title: 'Ice maker stopped working',
      problem: 'No new ice, although the freezer is cold.',
      fix: 'Check the water supply valve and the inlet line for ice; thaw a frozen fill tube. Test the water inlet valve solenoid and replace the ice maker module if it does not cycle.',
      tags: ['ice maker', 'water valve'],
    },
    'freezer builds up frost': {
      title: 'Freezer builds up frost',
      problem: 'Frost builds up on the back wall and the fan gets noisy.',
      fix: 'The defrost system fails: test the defrost heater, the defrost thermostat and the defrost timer or control board, and replace the failed part. Check the door gasket seals.',
      tags: ['frost', 'defrost', 'gasket'],
    },
    'compressor clicks constantly': {
      title: 'Compressor clicks on and off',
      problem: 'The compressor clicks every few minutes and does not keep running.',
      fix: 'Replace the start relay and the overload protector (they are sold as a kit). Clean the condenser coils; if it still clicks, measure the compressor windings.',
      tags: ['compressor', 'start relay', 'clicking'],
    },
  },
  'oven': {
    'does not reach temperature': {
      title: 'Oven does not reach temperature',
      problem: 'Preheating takes too long and food stays undercooked.',
      fix: 'Test the bake and broil elements (electric) or the igniter current draw (gas); a weak igniter opens the gas valve late. Check the temperature sensor resistance and recalibrate the offset.',
      tags: ['temperature', 'element', 'igniter'],
    },
    'igniter clicks but no flame': {
      title: 'Gas igniter clicks but no flame',
      problem: 'The burner clicks without lighting, or lights only after many tries.',
      fix: 'Clean the burner cap and ports and dry them fully; check the igniter position. If the spark is weak, replace the spark module; check the gas supply valve is fully open.',
      tags: ['igniter', 'gas', 'burner'],
    },
    'display is dead': {
      title: 'Oven display is dead',
      problem: 'No display and no response to the keys, although the oven has power.',
      fix: 'Check the line fuse and the thermal cut-out behind the control panel; replace the cut-out if open. If the board gets power but shows nothing, replace the control board.',
      tags: ['display', 'control board', 'fuse'],
    },
  },
  'hvac': {
    'blows warm air': {
      title: 'Air conditioner blows warm air',
      problem: 'The indoor fan runs but the air is warm.',
      fix: 'Check the outdoor unit: if the condenser fan or the compressor does not start, test the run capacitor and the contactor. Replace the filter and check for a low refrigerant charge.',
      tags: ['warm air', 'capacitor', 'contactor'],
    },
    'short cycles': {
      title: 'System short cycles',
      problem: 'The system starts and stops every few minutes.',
      fix: 'Replace a clogged air filter, check the thermostat location (not near a supply vent) and the flame sensor on a furnace; an oversized unit may need the fan speed reduced.',
      tags: ['short cycle', 'filter', 'flame sensor'],
    },
    'thermostat not responding': {
      title: 'Thermostat not responding',
      problem: 'The thermostat display is blank or the system ignores it.',
      fix: 'Replace the batteries, then check for 24 V between R and C at the thermostat; a blown low-voltage fuse on the control board points to a shorted wire.',
      tags: ['thermostat', 'low voltage', 'fuse'],
    },
    'outdoor unit is noisy': {
      title: 'Outdoor unit is noisy',
      problem: 'A rattle or a grinding noise from the outdoor unit.',
      fix: 'Tighten the panels and the fan blade, clear debris from the fan; a grinding noise means a worn fan motor bearing, replace the motor and its capacitor.',
      tags: ['noise', 'fan motor', 'outdoor unit'],
    },
  },
  'water-heater': {
    'no hot water': {
      title: 'No hot water',
      problem: 'Only cold water comes out of the hot taps.',
      fix: 'Electric: reset the high-limit switch and test the upper element and thermostat. Gas: check that the pilot is lit and test the thermocouple; replace it if the pilot will not stay on.',
      tags: ['hot water', 'element', 'pilot'],
    },
    'pilot light keeps going out': {
      title: 'Pilot light keeps going out',
      problem: 'The pilot lights but goes out after a while.',
      fix: 'Replace the thermocouple, clean the pilot orifice, and check the draft: a blocked flue or strong draft puts the pilot out.',
      tags: ['pilot', 'thermocouple', 'flue'],
    },
    'leaks at the bottom': {
      title: 'Water heater leaks at the bottom',
      problem: 'Water collects under the tank.',
      fix: 'Check the drain valve and the relief valve discharge pipe first; replace a leaking drain valve. Water from the tank itself means corrosion: the tank must be replaced.',
      tags: ['leak', 'relief valve', 'tank'],
    },
  },
  'microwave': {
    'does not heat': {
      title: 'Microwave runs but does not heat',
      problem: 'The light and turntable work, the food stays cold.',
      fix: 'Discharge the high-voltage capacitor first. Test the high-voltage diode, the magnetron and the capacitor; a failed diode is the most common cause.',
      tags: ['heat', 'magnetron', 'diode'],
    },
    'turntable does not spin': {
      title: 'Turntable does not spin',
      problem: 'The plate stays still while the microwave heats.',
      fix: 'Check the coupler under the glass tray for a broken drive, then replace the turntable motor.',
      tags: ['turntable', 'motor'],
    },
    'sparks inside': {
      title: 'Sparks inside the microwave',
      problem: 'Sparks or arcing in the cavity while heating.',
      fix: 'Replace the waveguide cover (food splatter burns through it) and clean the cavity; touch up chipped cavity paint with microwave-safe enamel.',
      tags: ['sparks', 'waveguide cover'],
    },
  },
};
